import Feedforward
import Foundation

/// Sparsity of Bricken's denoising autoencoder against noise, one row per
/// (network, σ_test) analysed (`DAEAnalysis`): the fraction of active
/// hidden units clean and noisy with Eq. 20's prediction, dead units, the
/// learned biases and weight norms (the paper's Fig. 6 quantities), the
/// reconstruction loss, and the worst |z| of Eq. 21, of the corrected
/// Eqs. 23/25 and of the closed-form E[η_j η_k] against the network's
/// measured activations (with the printed Eqs. 23/25's relative error, to
/// show what the corrections change). `dae-sparsity` writes it for a sweep
/// over σ_train; `analyze dae.ckpt` for one network over σ_test. Decodable,
/// so a committed report re-renders (`dae-sparsity --from FILE`).
public struct DAESparsityReport: Codable, Sendable, Report {
  public struct Row: Codable, Sendable, Equatable {
    public var sigmaTrain, sigmaTest: Double
    public var activeClean, activeNoisy, activeNoisyEq20: Double
    public var deadUnits: Int
    public var meanEncoderBias, meanEncoderNorm: Double
    public var lossClean, lossNoisy: Double
    public var eq21WorstZ, eta2WorstZ, crossWorstZ: Double
    public var eq21Compared, eta2Compared, crossCompared: Int
    public var eta2AsPrintedRelativeError, crossRelativeError: Double
  }

  public var kind = "dae-sparsity"
  public var model: [String: String]
  public var rows: [Row]
  public var data, draws, pairUnits: Int
  public var seed: UInt
  /// The bound each worst |z| is checked against, and whether all pass.
  public var zBound: Double
  public var agree: Bool
  public var methods: [String: String]

  public static let defaultZBound = 5.0

  public init(_ analyses: [DAEAnalysis], model: [String: String]) {
    self.model = model
    rows = analyses.map { a in
      Row(
        sigmaTrain: a.sigmaTrain, sigmaTest: a.sigma, activeClean: a.activeClean, activeNoisy: a.activeNoisy,
        activeNoisyEq20: a.activeNoisyPredicted, deadUnits: a.deadUnits, meanEncoderBias: a.meanEncoderBias,
        meanEncoderNorm: a.meanEncoderNorm, lossClean: a.lossClean, lossNoisy: a.lossNoisy, eq21WorstZ: a.eq21.worstZ,
        eta2WorstZ: a.eta2.worstZ, crossWorstZ: a.cross.worstZ, eq21Compared: a.eq21.compared, eta2Compared: a.eta2.compared,
        crossCompared: a.cross.compared, eta2AsPrintedRelativeError: a.eta2AsPrinted.relativeError,
        crossRelativeError: a.cross.relativeError)
    }
    let first = analyses.first
    data = first?.data ?? 0
    draws = first?.draws ?? 0
    pairUnits = first?.pairUnits ?? 0
    seed = first?.seed ?? 0
    zBound = Self.defaultZBound
    agree = rows.allSatisfy { max($0.eq21WorstZ, $0.eta2WorstZ, $0.crossWorstZ) < Self.defaultZBound }
    methods = [
      "active_clean": "fraction of (datum, hidden unit) with noise-free pre-activation > 0, over \(data) fresh data from the generator",
      "active_noisy": "fraction of (datum, noise draw, unit) with pre-activation > 0 at sigma_test (\(draws) draws per datum)",
      "active_noisy_eq20": "mean over (datum, unit) of Phi(zbar/(sigma |w|)): the pre-activation is N(zbar, sigma^2 |w|^2) (Eq. 20)",
      "eq21_worst_z": "max over (datum, unit) of |measured E h - Eq. 21| / SE (units never reached by the noise skipped)",
      "eta2_worst_z": "the same for E eta^2 against the corrected Eqs. 23/25 (sd, not variance, in the CDF; (eps - |zbar|)^2 in Eq. 25)",
      "eta2_as_printed_relative_error": "mean |measured - printed Eqs. 23/25| / mean |printed|",
      "cross_worst_z": "max over (datum, pair among the first \(pairUnits) units) of |measured E eta_j eta_k - closed form| / SE; closed form: bivariate rectified-Gaussian moment (Stein's lemma, Plackett's Phi2)",
      "z_bound": "the predictions are exact for this model, so each z is standard normal: the worst of C comparisons exceeds 5 with probability about C * 5.7e-7",
    ]
  }

  public var table: Table {
    Table(
      columns: [
        "σ_train", "σ_test", "active (clean)", "active (noisy)", "Eq. 20", "dead", "mean b_e", "mean ‖w‖", "loss (clean)",
        "Eq. 21 |z|", "Eqs. 23/25 |z|", "printed 23/25 err.", "E[η_j η_k] |z|",
      ],
      rows: rows.map { r in
        [
          PaperNumber.plain(r.sigmaTrain), PaperNumber.plain(r.sigmaTest), String(format: "%.3f", r.activeClean),
          String(format: "%.3f", r.activeNoisy), String(format: "%.3f", r.activeNoisyEq20), "\(r.deadUnits)",
          String(format: "%.3f", r.meanEncoderBias), String(format: "%.3f", r.meanEncoderNorm), String(format: "%.4f", r.lossClean),
          String(format: "%.2f", r.eq21WorstZ), String(format: "%.2f", r.eta2WorstZ),
          String(format: "%.0f%%", 100 * r.eta2AsPrintedRelativeError), String(format: "%.2f", r.crossWorstZ),
        ]
      })
  }

  public func render(_ format: TableFormat) -> String {
    let body = table.render(format)
    guard format == .terminal else { return body }
    let verdict = agree
      ? "Eq. 21, Eqs. 23/25 (corrected) and E[η_j η_k] agree with the measured activations: every worst |z| < \(PaperNumber.plain(zBound))"
      : "DISAGREEMENT: a worst |z| is >= \(PaperNumber.plain(zBound))"
    return body + "\n" + verdict + " (\(data) data x \(draws) noise draws, seed \(seed))\n"
  }

  /// A report written by `--json` / `--out`, read back to re-render it.
  public static func decode(_ data: Data) throws -> DAESparsityReport {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let report = try decoder.decode(DAESparsityReport.self, from: data)
    guard report.kind == "dae-sparsity" else { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "kind is '\(report.kind)', not dae-sparsity")) }
    return report
  }
}
