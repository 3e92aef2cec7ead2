import GaussianMoments
import CTRNN
import Foundation
import Training

/// The paradox sweep read as a report: one row per placement and σ_train
/// (averaged over seeds), and the verdict on the claim under test (Eckstein &
/// Srinivasan 2026): noise-in networks do best at σ_test > 0, noise-out ones
/// at σ_test = 0. Its JSON is `{"results", "summary", "verdict"}`.
public struct ParadoxSummary: Sendable, Encodable {
  /// One row of the table: a placement and σ_train, averaged over seeds.
  public struct Row: Sendable, Encodable, Equatable {
    public var noise: NoisePlacement
    public var sigmaTrain: Double
    public var seeds: Int
    /// Seed-averaged test loss at each σ_test.
    public var meanLoss: [Double]
    /// Its standard error: across seeds when there are ≥ 2 (training
    /// variability included), else the noise SE of the one seed.
    public var standardError: [Double]
    public var bestSigmaTest: Double
    public var lossAtBest: Double
    public var lossAtZero: Double?
    /// Loss at the grid point nearest σ_train.
    public var lossAtTrain: Double?
    public var sigmaTestNearestTrain: Double?

    public init(
      noise: NoisePlacement, sigmaTrain: Double, seeds: Int, meanLoss: [Double], standardError: [Double],
      bestSigmaTest: Double, lossAtBest: Double, lossAtZero: Double? = nil, lossAtTrain: Double? = nil,
      sigmaTestNearestTrain: Double? = nil
    ) {
      self.noise = noise
      self.sigmaTrain = sigmaTrain
      self.seeds = seeds
      self.meanLoss = meanLoss
      self.standardError = standardError
      self.bestSigmaTest = bestSigmaTest
      self.lossAtBest = lossAtBest
      self.lossAtZero = lossAtZero
      self.lossAtTrain = lossAtTrain
      self.sigmaTestNearestTrain = sigmaTestNearestTrain
    }
  }

  /// How many rows with σ_train > 0 of each placement have their optimum
  /// where the claim puts it. A placement with no such row is nil.
  public struct Verdict: Sendable, Encodable, Equatable, CustomStringConvertible {
    public struct Tally: Sendable, Equatable {
      public var placement: NoisePlacement
      /// (σ_train, best σ_test) of every row with σ_train > 0, in table order.
      public var optima: [(sigmaTrain: Double, bestSigmaTest: Double)]
      /// Rows whose optimum is where the claim predicts for this placement.
      public var agreeing: Int

      public static func == (a: Tally, b: Tally) -> Bool {
        a.placement == b.placement && a.agreeing == b.agreeing && a.optima.elementsEqual(b.optima) { $0 == $1 }
      }
    }
    public var inside: Tally?
    public var outside: Tally?

    /// Noise-in: optimum at σ_test > 0; noise-out: at σ_test = 0.
    public static func agrees(_ placement: NoisePlacement, bestSigmaTest: Double) -> Bool {
      switch placement {
      case .inside: bestSigmaTest > 0
      case .outside: bestSigmaTest == 0
      }
    }

    public init(rows: [Row]) {
      func tally(_ p: NoisePlacement) -> Tally? {
        let these = rows.filter { $0.noise == p && $0.sigmaTrain > 0 }
        guard !these.isEmpty else { return nil }
        return Tally(
          placement: p, optima: these.map { ($0.sigmaTrain, $0.bestSigmaTest) },
          agreeing: these.filter { Self.agrees(p, bestSigmaTest: $0.bestSigmaTest) }.count)
      }
      inside = tally(.inside)
      outside = tally(.outside)
    }

    public var description: String {
      func list(_ t: Tally) -> String { t.optima.map { "\($0.sigmaTrain)->\($0.bestSigmaTest)" }.joined(separator: ", ") }
      var parts: [String] = []
      if let t = inside {
        parts.append("noise-in: optimum at sigma_test > 0 for \(t.agreeing)/\(t.optima.count) sigma_train > 0 (\(list(t)))")
      }
      if let t = outside {
        parts.append("noise-out: optimum at sigma_test = 0 for \(t.agreeing)/\(t.optima.count) (\(list(t)))")
      }
      return parts.isEmpty ? "no sigma_train > 0 in the sweep: nothing to compare" : parts.joined(separator: "; ")
    }

    /// In JSON the verdict is its sentence.
    public func encode(to encoder: any Encoder) throws {
      var c = encoder.singleValueContainer()
      try c.encode(description)
    }
  }

  public let results: ParadoxResults
  public let rows: [Row]
  public let verdict: Verdict

  enum CodingKeys: String, CodingKey { case results, summary = "summary", verdict }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(results, forKey: .results)
    try c.encode(rows, forKey: .summary)
    try c.encode(verdictText, forKey: .verdict)
  }

  /// The verdict sentence. Dropout and gated sweeps have one placement
  /// whose tally is read in their own words (the noise-out prediction,
  /// optimum at 0, is not theirs to test).
  public var verdictText: String {
    if let d = results.config.dropout { return Self.dropoutVerdict(verdict, site: d) }
    if results.config.gate != nil { return Self.gatedVerdict(verdict, label: results.config.noiseLabel(.outside)) }
    return verdict.description
  }

  /// Gated noise enters outside f (placement out): how many of its optima
  /// sit at σ_test > 0, named by the noise kind ("gated, half-normal").
  static func gatedVerdict(_ v: Verdict, label: String) -> String {
    guard let t = v.outside else { return "no sigma_train > 0 in the sweep: nothing to compare" }
    let list = t.optima.map { "\($0.sigmaTrain)->\($0.bestSigmaTest)" }.joined(separator: ", ")
    let positive = t.optima.filter { $0.bestSigmaTest > 0 }.count
    return "\(label): optimum at sigma_test > 0 for \(positive)/\(t.optima.count) sigma_train > 0 (\(list))"
  }

  /// With dropout the sweep's one placement carries the rates: the verdict
  /// is the noise-in tally's (optimum at p_test > 0?) in those words.
  static func dropoutVerdict(_ v: Verdict, site: DropoutSite) -> String {
    guard let t = v.inside else { return "no p_train > 0 in the sweep: nothing to compare" }
    let list = t.optima.map { "\($0.sigmaTrain)->\($0.bestSigmaTest)" }.joined(separator: ", ")
    return "dropout-\(site.rawValue): optimum at p_test > 0 for \(t.agreeing)/\(t.optima.count) p_train > 0 (\(list))"
  }

  public init(_ results: ParadoxResults) {
    self.results = results
    rows = Self.rows(results)
    verdict = Verdict(rows: rows)
  }

  static func rows(_ r: ParadoxResults) -> [Row] {
    var rows: [Row] = []
    let grid = r.config.sigmaTest
    guard !grid.isEmpty else { return [] }
    for p in r.config.placements {
      for s in r.config.sigmaTrain {
        let runs = r.outcomes.filter { $0.job.noise == p && $0.job.sigmaTrain == s && $0.testLoss.count == grid.count }
        guard !runs.isEmpty else { continue }
        let k = Double(runs.count)
        let mean = grid.indices.map { i in runs.reduce(0) { $0 + $1.testLoss[i] } / k }
        let se = grid.indices.map { i -> Double in
          if runs.count >= 2 {
            let ss = runs.reduce(0) { $0 + ($1.testLoss[i] - mean[i]) * ($1.testLoss[i] - mean[i]) }
            return (ss / (k - 1) / k).squareRoot()
          }
          return runs[0].testStandardError[i]
        }
        let best = mean.indices.min { mean[$0] < mean[$1] }!
        let zero = grid.firstIndex(of: 0)
        let train = grid.indices.min { abs(grid[$0] - s) < abs(grid[$1] - s) }
        rows.append(Row(
          noise: p, sigmaTrain: s, seeds: runs.count, meanLoss: mean, standardError: se, bestSigmaTest: grid[best],
          lossAtBest: mean[best], lossAtZero: zero.map { mean[$0] }, lossAtTrain: train.map { mean[$0] },
          sigmaTestNearestTrain: train.map { grid[$0] }))
      }
    }
    return rows
  }

  /// The table, and on a terminal the verdict under it.
  public func render(_ format: TableFormat) -> String {
    return table.render(format) + (format == .terminal ? "verdict: \(verdictText)\n" : "")
  }

  /// The table: per row the best σ_test and the loss there, at 0 and at σ_train (± SE).
  public var table: Table {
    let c = results.config
    var t = Table(
      columns: ["noise", "sigma_train", "seeds", "best sigma_test", "loss at best", "loss at 0", "loss at sigma_train"],
      caption: (c.dropout.map { "\($0.label), no additive noise: the sigma columns are dropout rates p; " } ?? "")
        + "\(c.task), \(c.hidden) \(c.activation) units, \(c.iterations) steps; test loss (mean over seeds) on \(c.evaluationTrials) trials x \(c.evaluationRepeats) noise samples")
    func fmt(_ x: Double?, _ se: Double?) -> String {
      guard let x else { return "-" }
      return se.map { String(format: "%.4g ± %.1g", x, $0) } ?? String(format: "%.4g", x)
    }
    for row in rows {
      let zero = c.sigmaTest.firstIndex(of: 0)
      let train = row.sigmaTestNearestTrain.flatMap { c.sigmaTest.firstIndex(of: $0) }
      let best = c.sigmaTest.firstIndex(of: row.bestSigmaTest)!
      t.append([
        c.dropout.map { "dropout-\($0.rawValue)" } ?? c.noiseLabel(row.noise), "\(row.sigmaTrain)", "\(row.seeds)", "\(row.bestSigmaTest)", fmt(row.lossAtBest, row.standardError[best]),
        fmt(row.lossAtZero, zero.map { row.standardError[$0] }), fmt(row.lossAtTrain, train.map { row.standardError[$0] }),
      ])
    }
    return t
  }
}
