import CTRNN
import Foundation
import Training

/// `mechanism`: a kept paradox sweep network by network — the measured
/// test-loss curve next to the closure's predicted one, the noise-induced
/// readout bias at σ_train three ways, and where the units sit relative to
/// the activation's nonlinearity — then per (placement, σ_train) the seed
/// averages with standard errors and a verdict on whether the closure
/// predicts the measured optimum.
public struct MechanismReport: Sendable, Encodable {
  /// Two optima agree when they are at most this many σ_test grid steps apart.
  public static let optimumSteps = 1
  /// The predicted loss at σ_test = σ_train agrees with the measured one
  /// within this relative difference. The prediction is for the very
  /// trials the measurement ran (`TrialBatch.predictedLoss`), so neither
  /// the input sample nor the transient separates them; what does is the
  /// closure's approximation (Gaussian state, uncorrelated residuals) and
  /// the measurement's noise SE, which is far smaller. 10% is the closure
  /// error we accept as "predicts the loss" — a modelling tolerance, not a
  /// Monte-Carlo one; `z` columns show the part the SE explains.
  public static let lossTolerance = 0.10

  /// One kept network: its paradox outcome, the checkpoint path as linked,
  /// its mechanism, and the closure-in-time prediction of its measured
  /// loss at each σ_test of the sweep (nil where the closure failed).
  public struct Input: Sendable {
    public var outcome: ParadoxOutcome
    public var checkpoint: String
    public var mechanism: NetworkMechanism
    public var predictedTrialLoss: [Double?]
    public init(outcome: ParadoxOutcome, checkpoint: String, mechanism: NetworkMechanism, predictedTrialLoss: [Double?]) {
      self.outcome = outcome
      self.checkpoint = checkpoint
      self.mechanism = mechanism
      self.predictedTrialLoss = predictedTrialLoss
    }
  }

  public struct NetworkEntry: Sendable, Encodable {
    public var noise: String
    public var sigmaTrain: Double
    public var seed: UInt64
    public var checkpoint: String
    public var sigmaTest: [Double]
    public var measuredLoss: [Double]
    public var measuredStandardError: [Double]
    /// The closure run through the measured trials (same inputs, from
    /// h = 0, same loss window) at the same σ_test; nil where it failed.
    public var predictedLoss: [Double?]
    /// The stationary closure's loss over the task's input grid at the same
    /// σ_test: what the network does after it forgets its start.
    public var stationaryLoss: [Double?]
    public var measuredOptimum: Double
    /// Minimum of `predictedLoss`.
    public var predictedOptimum: Double?
    /// Minimum of `stationaryLoss`.
    public var stationaryOptimum: Double?
    public var optimumAgrees: Bool
    public var measuredLossAtTrain: Double?
    public var predictedLossAtTrain: Double?
    /// (predicted − measured)/SE at σ_test nearest σ_train (nil at SE = 0).
    public var zAtTrain: Double?
    /// The σ_test grid point nearest σ_train, where the two "at train" losses are read.
    public var sigmaTestNearTrain: Double?
    /// (predicted − measured)/measured at σ_test = σ_train.
    public var relativeLossDifferenceAtTrain: Double?
    public var simulatedBias: [Double]
    public var simulatedBiasSe: [Double]
    public var closureBias: [Double]?
    public var meanFieldBias: [Double]?
    public var nearFraction: Double?
    /// nil when no unit has a finite distance (see `NetworkMechanism.Unit`).
    public var meanDistanceInSd: Double?
    public var unitsCarrying80Percent: Int
    public var units: [NetworkMechanism.Unit]
  }

  public struct Stat: Sendable, Encodable, Equatable {
    /// nil when no value was finite (n = 0).
    public var mean: Double?
    public var se: Double
    public var n: Int

    /// Mean and SE (sd/√n; 0 for one value) of the finite values.
    public init(_ values: [Double?]) {
      let v = values.compactMap { $0 }.filter(\.isFinite)
      n = v.count
      mean = v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
      if v.count > 1, let m = mean {
        se = (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1) / Double(v.count)).squareRoot()
      } else {
        se = 0
      }
    }
  }

  public struct Cell: Sendable, Encodable {
    public var noise: String
    public var sigmaTrain: Double
    public var seeds: Int
    public var measuredOptimum, predictedOptimum: Stat
    public var measuredLossAtZero, predictedLossAtZero: Stat
    public var measuredLossAtTrain, predictedLossAtTrain: Stat
    public var simulatedBias, closureBias, meanFieldBias: Stat
    public var nearFraction, meanDistanceInSd: Stat
    public var optimumAgrees: Int
    public var lossAgrees: Int
  }

  public var results: String
  public var task: String
  public var activation: String
  public var inputs: Int
  public var networks: [NetworkEntry]
  public var cells: [Cell]
  public var verdict: String
  public var methods: [String: String]

  /// `networks`: each kept outcome with its checkpoint path and mechanism.
  public init(results path: String, config: ParadoxConfig, networks: [Input]) {
    results = path
    task = config.task
    activation = config.activation
    inputs = networks.first?.mechanism.samples.count ?? 0
    let grid = config.sigmaTest
    let step = zip(grid.dropFirst(), grid).map { $0 - $1 }.max() ?? 0
    func argmin(_ curve: [Double?]) -> Double? { zip(grid, curve).filter { $0.1 != nil }.min { $0.1! < $1.1! }?.0 }
    self.networks = networks.map { input in
      let outcome = input.outcome, m = input.mechanism
      let predicted = input.predictedTrialLoss, stationary = grid.map { m.predicted(at: $0) }
      let measuredOptimum = zip(grid, outcome.testLoss).min { $0.1 < $1.1 }!.0
      let predictedOptimum = argmin(predicted)
      // The σ_test grid point nearest σ_train (the grid need not contain it).
      let t = grid.indices.min { abs(grid[$0] - outcome.job.sigmaTrain) < abs(grid[$1] - outcome.job.sigmaTrain) }
      let mt = t.map { outcome.testLoss[$0] }, pt = t.flatMap { predicted[$0] }
      let rel = (mt != nil && pt != nil && mt! > 0) ? (pt! - mt!) / mt! : nil
      let se = t.map { outcome.testStandardError[$0] } ?? 0
      let finite = m.units.compactMap(\.distanceInSD)
      return NetworkEntry(
        noise: outcome.job.noise.label, sigmaTrain: outcome.job.sigmaTrain, seed: outcome.job.seed, checkpoint: input.checkpoint,
        sigmaTest: grid, measuredLoss: outcome.testLoss, measuredStandardError: outcome.testStandardError,
        predictedLoss: predicted, stationaryLoss: stationary, measuredOptimum: measuredOptimum, predictedOptimum: predictedOptimum,
        stationaryOptimum: argmin(stationary),
        optimumAgrees: predictedOptimum.map { abs($0 - measuredOptimum) <= Double(Self.optimumSteps) * step + 1e-12 } ?? false,
        measuredLossAtTrain: mt, predictedLossAtTrain: pt, zAtTrain: (mt != nil && pt != nil && se > 0) ? (pt! - mt!) / se : nil,
        sigmaTestNearTrain: t.map { grid[$0] }, relativeLossDifferenceAtTrain: rel,
        simulatedBias: m.simulatedBias, simulatedBiasSe: m.simulatedBiasStandardError, closureBias: m.closureBias,
        meanFieldBias: m.meanFieldBias, nearFraction: m.nearFraction,
        meanDistanceInSd: finite.isEmpty ? nil : finite.reduce(0, +) / Double(finite.count),
        unitsCarrying80Percent: m.unitsCarrying80Percent, units: m.units)
    }
    var cells: [Cell] = []
    let keys = Array(Set(self.networks.map { "\($0.noise)|\($0.sigmaTrain)" }))
    let ordered = keys.map { k -> (String, Double) in
      let p = k.split(separator: "|")
      return (String(p[0]), Double(p[1])!)
    }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    for (noise, st) in ordered {
      let e = self.networks.filter { $0.noise == noise && $0.sigmaTrain == st }
      let zero = grid.firstIndex(of: 0)
      cells.append(Cell(
        noise: noise, sigmaTrain: st, seeds: e.count,
        measuredOptimum: Stat(e.map(\.measuredOptimum)), predictedOptimum: Stat(e.map(\.predictedOptimum)),
        measuredLossAtZero: Stat(e.map { x in zero.map { x.measuredLoss[$0] } }),
        predictedLossAtZero: Stat(e.map { x in zero.flatMap { x.predictedLoss[$0] } }),
        measuredLossAtTrain: Stat(e.map(\.measuredLossAtTrain)), predictedLossAtTrain: Stat(e.map(\.predictedLossAtTrain)),
        simulatedBias: Stat(e.map { $0.simulatedBias.first }), closureBias: Stat(e.map { $0.closureBias?.first }),
        meanFieldBias: Stat(e.map { $0.meanFieldBias?.first }), nearFraction: Stat(e.map(\.nearFraction)),
        meanDistanceInSd: Stat(e.map(\.meanDistanceInSd)), optimumAgrees: e.filter(\.optimumAgrees).count,
        lossAgrees: e.filter { ($0.relativeLossDifferenceAtTrain.map(abs) ?? .infinity) <= Self.lossTolerance }.count))
    }
    self.cells = cells
    let agreeing = self.networks.filter(\.optimumAgrees).count
    let failing = cells.filter { $0.optimumAgrees < $0.seeds }.map { "noise-\($0.noise) sigma_train=\($0.sigmaTrain) (\($0.optimumAgrees)/\($0.seeds))" }
    let lossAgreeing = cells.reduce(0) { $0 + $1.lossAgrees }
    verdict = "the closure predicts the measured optimum sigma_test (within \(Self.optimumSteps) grid step) for \(agreeing)/\(self.networks.count) networks"
      + (failing.isEmpty ? "" : "; not in every seed of: " + failing.joined(separator: ", "))
      + "; and the measured loss at sigma_train within \(Int(Self.lossTolerance * 100))% for \(lossAgreeing)/\(self.networks.count)"
    methods = [
      "measured_loss": "paradox's test loss (finite trials from h = 0, second half; kept curve)",
      "predicted_loss": "Gaussian closure run in time through the very trials paradox measured (same inputs, from h = 0, same loss window): sum of w((E z - y)^2 + Var z) / sum of w; no simulation",
      "stationary_loss": "stationary Gaussian closure at each of \(inputs) task inputs (grid midpoints), continued in sigma: mean of (E z - y)^2 + Var z; no simulation",
      "z_at_train": "(predicted - measured) / measured SE at the sigma_test nearest sigma_train; the SE is the noise's over paradox's evaluation repeats",
      "bias": "readout at sigma_train minus the sigma = 0 readout (settled from h = 0), mean over inputs, first output in the cell table: simulated (exact chain), closure, mean-field (noise-in: h = E f(Wh + c + sigma xi); noise-out: 0)",
      "distance_in_sd": "|mu - nearest nonlinearity point| / s per unit at sigma_train (closure): kinks for relu/hardtanh, points of largest |f''| otherwise; mu = W m + c, s^2 = sigma^2 [noise-in] + (W C W^T)_ii",
      "near_fraction": "fraction of (unit, input) pairs with distance < \(NetworkMechanism.nearThreshold) sd",
      "readout_bias_contribution": "per unit W_out,i (m_i(sigma_train) - h_i(0)), mean over inputs; units_carrying_80_percent: fewest units whose |contributions| reach 80% of the total",
      "optimum_agrees": "|predicted - measured optimum| <= \(Self.optimumSteps) step of the sigma_test grid",
      "loss_agrees": "|predicted - measured|/measured <= \(Self.lossTolerance) at the sigma_test grid point nearest sigma_train",
    ]
  }

  func pm(_ s: Stat, _ format: String = "%.3g") -> String {
    guard let mean = s.mean else { return "-" }
    return String(format: format, mean) + (s.n > 1 ? " ± " + String(format: "%.1g", s.se) : "")
  }

  public var networkTable: Table {
    var t = Table(
      columns: [
        "noise", "sigma_train", "seed", "optimum meas.", "optimum pred.", "optimum stat.", "loss@train meas.", "loss@train pred.",
        "z", "bias sim.", "bias closure", "bias MF", "near", "units 80%",
      ],
      caption: "per network: measured (paradox) vs predicted test loss (closure through the same trials; stat.: stationary closure on the input grid); readout bias at sigma_train (first output)")
    func g(_ x: Double?) -> String { x.map { String(format: "%.3g", $0) } ?? "-" }
    for e in networks {
      t.append([
        e.noise, "\(e.sigmaTrain)", "\(e.seed)", "\(e.measuredOptimum)", e.predictedOptimum.map { "\($0)" } ?? "-",
        e.stationaryOptimum.map { "\($0)" } ?? "-", g(e.measuredLossAtTrain), g(e.predictedLossAtTrain),
        e.zAtTrain.map { String(format: "%.1f", $0) } ?? "-", g(e.simulatedBias.first), g(e.closureBias?.first),
        g(e.meanFieldBias?.first), e.nearFraction.map { String(format: "%.2f", $0) } ?? "-", "\(e.unitsCarrying80Percent)/\(e.units.count)",
      ])
    }
    return t
  }

  public var cellTable: Table {
    var t = Table(
      columns: [
        "noise", "sigma_train", "seeds", "optimum meas.", "optimum pred.", "agree", "loss@0 meas.", "loss@0 pred.",
        "loss@train meas.", "loss@train pred.", "within \(Int(Self.lossTolerance * 100))%", "bias sim.", "bias closure", "near",
        "distance/sd",
      ],
      caption: "per (placement, sigma_train): mean ± SE over seeds")
    for c in cells {
      t.append([
        c.noise, "\(c.sigmaTrain)", "\(c.seeds)", pm(c.measuredOptimum, "%.2f"), pm(c.predictedOptimum, "%.2f"),
        "\(c.optimumAgrees)/\(c.seeds)", pm(c.measuredLossAtZero), pm(c.predictedLossAtZero), pm(c.measuredLossAtTrain),
        pm(c.predictedLossAtTrain), "\(c.lossAgrees)/\(c.seeds)", pm(c.simulatedBias),
        pm(c.closureBias), pm(c.nearFraction, "%.2f"), pm(c.meanDistanceInSd, "%.2f"),
      ])
    }
    return t
  }

  public func render(_ format: TableFormat) -> String {
    let body = networkTable.render(format) + "\n" + cellTable.render(format)
    let head = "\(results): \(task), \(activation), \(networks.count) kept networks, \(inputs) task inputs"
    return format.frame(body, heading: head, closing: verdict) { head + "\n\n" + body + "verdict: " + verdict + "\n" }
  }
}
