import CTRNN
import Neuron
import Foundation
import SDE

/// Whether the three ensembles agree with the exact chain's stationary mean
/// (transfer operator): each z = (ensemble mean − chain mean)/SE.
public struct StationaryVerdict: Sendable, Equatable {
  public var chainMean: Double
  public var zChainEnsemble, zEulerMaruyama, zMilstein: Double

  public init(chainMean: Double, zChainEnsemble: Double, zEulerMaruyama: Double, zMilstein: Double) {
    self.chainMean = chainMean
    self.zChainEnsemble = zChainEnsemble
    self.zEulerMaruyama = zEulerMaruyama
    self.zMilstein = zMilstein
  }

  public init(_ a: StationaryAnalysis) {
    self.init(
      chainMean: a.chain.mean, zChainEnsemble: a.chainEnsemble.zScore(against: a.chain.mean),
      zEulerMaruyama: a.eulerMaruyama.zScore(against: a.chain.mean), zMilstein: a.milstein.zScore(against: a.chain.mean))
  }

  /// |z| ≤ 3: within Monte-Carlo error (a correct ensemble fails 0.3 % of the time).
  public static func agrees(_ z: Double) -> Bool { abs(z) <= 3 }

  public var allAgree: Bool { [zEulerMaruyama, zMilstein, zChainEnsemble].allSatisfy(Self.agrees) }

  public var text: String {
    func verdict(_ z: Double) -> String { Self.agrees(z) ? "within 3 SE" : "NOT within 3 SE" }
    return String(
      format: "vs chain mean %.6g: chain ensemble z = %+.2f (%@), EM z = %+.2f (%@), Milstein z = %+.2f (%@)",
      chainMean, zChainEnsemble, verdict(zChainEnsemble), zEulerMaruyama, verdict(zEulerMaruyama), zMilstein,
      verdict(zMilstein))
  }
}

/// The `stationary` report: the one-neuron stationary law by every method,
/// its JSON (`stationary --json`), its table and its density CSV.
public struct StationaryReport: Encodable, Sendable {
  public struct Point: Encodable, Sendable {
    public var x, multiplier: Double
    public var stable: Bool
  }
  public var activation, noise: String
  public var w, b, sigma, dt, tau, gamma: Double
  public var deterministicFixedPoints: [Point]
  public var noiseAveragedFixedPoints: [Point]
  public var noiseAveragedFixedPoint: Double?
  public var chainMean, chainVariance, chainMeanError, chainVarianceError, chainLeakRate: Double
  public var fokkerPlanckMean, fokkerPlanckVariance: Double
  public var emMean, emMeanSe, emVariance, emVarianceSe: Double
  public var milsteinMean, milsteinMeanSe, milsteinVariance, milsteinVarianceSe: Double
  public var chainEnsembleMean, chainEnsembleMeanSe, chainEnsembleVariance, chainEnsembleVarianceSe: Double
  public var bias: Double?
  public var zEm, zMilstein, zChainEnsemble: Double
  public var agreeWithin3SE: Bool
  public var agreement: String
  /// The table of every estimate (not part of the JSON).
  public var table: Table

  // Listed because the snake_case strategy would spell agreeWithin3SE
  // "agree_within3_se"; `table` is not encoded.
  enum CodingKeys: String, CodingKey {
    case activation, noise, w, b, sigma, dt, tau, gamma, deterministicFixedPoints, noiseAveragedFixedPoints
    case noiseAveragedFixedPoint, chainMean, chainVariance, chainMeanError, chainVarianceError, chainLeakRate
    case fokkerPlanckMean, fokkerPlanckVariance, emMean, emMeanSe, emVariance, emVarianceSe
    case milsteinMean, milsteinMeanSe, milsteinVariance, milsteinVarianceSe
    case chainEnsembleMean, chainEnsembleMeanSe, chainEnsembleVariance, chainEnsembleVarianceSe
    case bias, zEm, zMilstein, zChainEnsemble
    case agreeWithin3SE = "agree_within_3se"
    case agreement
  }

  public init(_ a: StationaryAnalysis) {
    let n = a.neuron
    let verdict = StationaryVerdict(a)
    activation = n.activation.rawValue
    noise = n.noise.label
    w = n.w; b = n.b; sigma = n.sigma; dt = n.dt; tau = n.tau; gamma = n.gamma
    deterministicFixedPoints = a.deterministicFixedPoints.map { Point(x: $0.x, multiplier: $0.multiplier, stable: $0.stable) }
    noiseAveragedFixedPoints = a.noiseAveragedFixedPoints.map { Point(x: $0.x, multiplier: $0.multiplier, stable: $0.stable) }
    noiseAveragedFixedPoint = a.noiseAveragedFixedPoint
    chainMean = a.chain.mean; chainVariance = a.chain.variance
    chainMeanError = a.chain.meanDiscretisationError; chainVarianceError = a.chain.varianceDiscretisationError
    chainLeakRate = a.chain.leakRate
    fokkerPlanckMean = a.fokkerPlanck.mean; fokkerPlanckVariance = a.fokkerPlanck.variance
    emMean = a.eulerMaruyama.mean; emMeanSe = a.eulerMaruyama.meanStandardError
    emVariance = a.eulerMaruyama.variance; emVarianceSe = a.eulerMaruyama.varianceStandardError
    milsteinMean = a.milstein.mean; milsteinMeanSe = a.milstein.meanStandardError
    milsteinVariance = a.milstein.variance; milsteinVarianceSe = a.milstein.varianceStandardError
    chainEnsembleMean = a.chainEnsemble.mean; chainEnsembleMeanSe = a.chainEnsemble.meanStandardError
    chainEnsembleVariance = a.chainEnsemble.variance; chainEnsembleVarianceSe = a.chainEnsemble.varianceStandardError
    bias = a.bias
    zEm = verdict.zEulerMaruyama; zMilstein = verdict.zMilstein; zChainEnsemble = verdict.zChainEnsemble
    agreeWithin3SE = verdict.allAgree
    agreement = verdict.text
    table = Self.table(a)
  }

  static func table(_ a: StationaryAnalysis) -> Table {
    let neuron = a.neuron
    // Text reports print short numbers (JSON keeps every digit): a value
    // with an error to the digits the error supports, a solved fixed point
    // to six significant digits.
    func g(_ x: Double) -> String { NumberFormat.significant(x) }
    func v(_ x: Double, _ e: Double) -> String { NumberFormat.supported(x, error: e) }
    var table = Table(
      columns: ["quantity", "mean", "SE / error", "variance", "SE / error"],
      caption: "\(neuron.activation) neuron, w = \(g(neuron.w)), b = \(g(neuron.b)), sigma = \(g(neuron.sigma)), noise \(neuron.noise.label), dt = \(g(neuron.dt)), tau = \(g(neuron.tau))")
    for p in a.deterministicFixedPoints {
      table.append(["deterministic fixed point (\(p.stable ? "stable" : "unstable"))", g(p.x), "", "", ""])
    }
    for p in a.noiseAveragedFixedPoints {
      table.append(["noise-averaged fixed point (\(p.stable ? "stable" : "unstable"))", g(p.x), "", "", ""])
    }
    let c = a.chain, fp = a.fokkerPlanck
    table.append([
      "chain (transfer operator)", v(c.mean, c.meanDiscretisationError), NumberFormat.short(c.meanDiscretisationError),
      v(c.variance, c.varianceDiscretisationError), NumberFormat.short(c.varianceDiscretisationError),
    ])
    // The Fokker–Planck error is relative: its absolute size is that times the value.
    table.append([
      "Fokker-Planck (diffusion approx.)", v(fp.mean, fp.relativeQuadratureError * abs(fp.mean)),
      NumberFormat.short(fp.relativeQuadratureError), v(fp.variance, fp.relativeQuadratureError * abs(fp.variance)), "",
    ])
    for (name, e) in [("chain ensemble", a.chainEnsemble), ("Euler-Maruyama ensemble", a.eulerMaruyama), ("Milstein ensemble", a.milstein)] {
      table.append([
        name, v(e.mean, e.meanStandardError), NumberFormat.short(e.meanStandardError),
        v(e.variance, e.varianceStandardError), NumberFormat.short(e.varianceStandardError),
      ])
    }
    if let bias = a.bias {
      table.append(["bias (chain mean - nearest fixed point)", v(bias, c.meanDiscretisationError), "", "", ""])
    }
    return table
  }

  /// The table, and on a terminal the agreement line under it.
  public func render(_ format: TableFormat) -> String {
    table.render(format) + (format == .terminal ? agreement + "\n" : "")
  }

  /// Long-format densities: method,x,density.
  public static func densityCSV(_ a: StationaryAnalysis) -> String {
    var s = "method,x,density\n"
    for (x, p) in zip(a.chain.centers, a.chain.density) { s += "chain,\(x),\(p)\n" }
    // Fokker–Planck: the density at the grid's edges.
    for (x, p) in zip(a.fokkerPlanck.edges, a.fokkerPlanck.density) { s += "fokker_planck,\(x),\(p)\n" }
    for (name, est) in [("chain_ensemble", a.chainEnsemble), ("em", a.eulerMaruyama), ("milstein", a.milstein)] {
      guard let h = est.histogram else { continue }
      for (x, p) in zip(h.centers, h.density) { s += "\(name),\(x),\(p)\n" }
    }
    return s
  }
}
