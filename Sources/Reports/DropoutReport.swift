import CTRNN
import GaussianMoments

/// `analyze` on a checkpoint with Bernoulli dropout: per test rate p,
/// σ_test and output, the dropout closure's readout (moment-matched, see
/// `DropoutClosure`) next to the exact chain's, the bias, and whether they
/// agree within `DropoutStudy.tolerance` of the bias plus 4 SE.
public struct DropoutReport: Report {
  public struct Row: Encodable {
    public var rate: Double
    public var sigma: Double
    public var output: Int
    public var closure: Double
    public var simulated: Double
    public var standardError: Double
    /// (simulated − closure)/SE; nil without noise (no SE).
    public var z: Double?
    /// Simulated readout minus the noiseless readout.
    public var bias: Double
    /// Closure readout minus the noiseless readout.
    public var closureBias: Double
    public var closureSD: Double
    public var simulatedSD: Double
    /// E(z − y)², closure (bias² + variance) and simulated; nil without a known task.
    public var closureOutputError: Double?
    public var simulatedOutputError: Double?
    /// |closure − simulated| ≤ tolerance·|bias| + 4 SE.
    public var agrees: Bool
  }

  public var file: String
  public var dropout: String
  public var trainingRate: Double
  public var noise: String
  public var sigmaTrain: Double
  public var input: [Double]
  public var target: [Double]?
  /// Per-unit learned σᵢ and pᵢ (`train --learn-noise`); nil otherwise.
  public var learnedSigmas: [Double]?
  public var learnedRates: [Double]?
  public var tolerance: Double
  public var agreement: String
  public var note: String
  public var rows: [Row]

  public init(_ s: DropoutStudy, path: String) {
    file = path
    dropout = s.site.rawValue
    trainingRate = s.checkpoint.dropoutRate
    noise = s.checkpoint.noise.label
    sigmaTrain = s.checkpoint.sigmaTrain
    input = s.input
    target = s.target
    tolerance = DropoutStudy.tolerance
    learnedSigmas = s.checkpoint.unitSigmas
    learnedRates = s.checkpoint.unitDropoutRates
    rows = s.levels.flatMap { level in
      level.closureReadout.indices.map { o in
        let se = level.simulatedStandardError[o], c = level.closureReadout[o], m = level.simulatedReadout[o]
        let bias = m - s.noiselessReadout[o]
        let y = s.target?[o]
        return Row(
          rate: level.rate, sigma: level.sigma, output: o, closure: c, simulated: m, standardError: se,
          z: se > 0 ? (m - c) / se : nil, bias: bias, closureBias: c - s.noiselessReadout[o], closureSD: level.closureReadoutSD[o],
          simulatedSD: level.simulatedReadoutSD[o],
          closureOutputError: y.map { (c - $0) * (c - $0) + level.closureReadoutSD[o] * level.closureReadoutSD[o] },
          simulatedOutputError: y.map { (m - $0) * (m - $0) + level.simulatedReadoutSD[o] * level.simulatedReadoutSD[o] },
          agrees: abs(c - m) <= DropoutStudy.tolerance * abs(bias) + 4 * se + 1e-12 * max(1, abs(m)))
      }
    }
    let failing = rows.filter { !$0.agrees }.count
    agreement = failing == 0
      ? "closure and chain agree within \(Int(DropoutStudy.tolerance * 100))% of the bias + 4 SE at every level"
      : "closure and chain disagree beyond \(Int(DropoutStudy.tolerance * 100))% of the bias + 4 SE at \(failing) of \(rows.count) rows"
    note = "dropout closure: the pre-activation moment-matched to a Gaussian with the mask's variance p/(1-p) "
      + "entering its covariance (dropout on the state) or the exact two-point mask law over a Gaussian pre-activation "
      + "(dropout on f's input); exact for linear f; the chain draws a fresh mask every step"
      + (s.checkpoint.unitSigmas == nil ? "" : "; learned noise: each unit has its own sigma_i and p_i (chain and closure "
        + "alike); sigma_test scales the sigma_i (sigma_test = sigma_train, their RMS, is the learned noise) and a p_test "
        + "without --rate-test is the mean of the learned p_i")
  }

  public var table: Table {
    let inputText = input.map(NumberFormat.short).joined(separator: ",")
    var t = Table(
      columns: ["p_test", "sigma_test", "output", "closure", "simulated", "SE", "z", "bias", "closure bias", "sd closure", "sd simulated", "agree"]
        + (target == nil ? [] : ["out err closure", "out err simulated"]),
      caption: "\(file): \(dropout) dropout (p_train = \(NumberFormat.short(trainingRate))), noise \(noise) (sigma_train = "
        + "\(NumberFormat.short(sigmaTrain))), input u = \(inputText)")
    for r in rows {
      var cells = [
        NumberFormat.short(r.rate), NumberFormat.short(r.sigma), "\(r.output)", NumberFormat.short(r.closure), NumberFormat.short(r.simulated),
        NumberFormat.short(r.standardError), r.z.map(NumberFormat.short) ?? "-", NumberFormat.short(r.bias),
        NumberFormat.short(r.closureBias), NumberFormat.short(r.closureSD), NumberFormat.short(r.simulatedSD), r.agrees ? "yes" : "no",
      ]
      if target != nil {
        cells += [r.closureOutputError.map(NumberFormat.short) ?? "-", r.simulatedOutputError.map(NumberFormat.short) ?? "-"]
      }
      t.append(cells)
    }
    return t
  }

  /// The table, then the agreement and the note, each on its own line.
  public func render(_ format: TableFormat) -> String {
    var learned = ""
    if let learnedSigmas, let learnedRates {
      learned = "learned sigma_i: " + learnedSigmas.map(NumberFormat.short).joined(separator: " ") + "\n"
        + "learned p_i: " + learnedRates.map(NumberFormat.short).joined(separator: " ") + "\n"
    }
    return table.render(format) + learned + "agreement: \(agreement)\nnote: \(note)\n"
  }
}
