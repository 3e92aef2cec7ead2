import ArgumentParser
import Neuron
import Foundation
import Reports
import SDE

struct Stationary: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Stationary law of the noisy one-neuron CTRNN, by every method side by side.",
    discussion: """
      Deterministic fixed points of x = f(wx+b) (with stability of the noiseless
      chain), the noise-averaged fixed point (noise in: x = E f(wx+b+sigma xi)),
      the exact chain's stationary mean and variance (transfer operator, Ulam's
      method), the diffusion approximation's Fokker-Planck mean and variance,
      and ensembles of Euler-Maruyama, Milstein and the exact chain (mean +- SE,
      batch means after --burn-in). bias = chain mean - nearest deterministic
      fixed point. Ensembles start at the chain mean.
      --density FILE.csv writes long-format rows method,x,density.
      """)

  @OptionGroup var neuronOptions: NeuronOptions

  @Option(help: "Trajectories per ensemble (>= 2).")
  var trajectories = 200

  @Option(help: "Steps of dt per trajectory (>= 1).")
  var steps = 20_000

  @Option(name: .customLong("burn-in"), help: "Steps discarded before statistics (< steps).")
  var burnIn = 2_000

  @Option(help: "Seed of the ensembles.")
  var seed: UInt64 = 1

  @Option(help: "Cells of the transfer-operator grid (>= 8).")
  var cells = 400

  @Option(help: "Write the densities (method,x,density) as CSV to this file.")
  var density: String?

  @OptionGroup var output: OutputOptions

  var options: StationaryAnalysis.Options {
    var o = StationaryAnalysis.Options()
    o.trajectories = trajectories
    o.steps = steps
    o.burnIn = burnIn
    o.seed = seed
    o.cells = cells
    return o
  }

  func validate() throws {
    do { try options.validate() } catch { throw ValidationError(error.description) }
    guard cells >= 8 else { throw ValidationError("--cells must be at least 8, got \(cells)") }
    do { try neuronOptions.neuron().checkStationary() } catch let e as NeuronError { throw ValidationError(e.description) }
  }

  func run() throws {
    let neuron = try neuronOptions.neuron()
    let a = try StationaryAnalysis(neuron: neuron, options: options)
    let zEM = a.eulerMaruyama.zScore(against: a.chain.mean)
    let zMil = a.milstein.zScore(against: a.chain.mean)
    let zChain = a.chainEnsemble.zScore(against: a.chain.mean)
    func verdict(_ z: Double) -> String { abs(z) <= 3 ? "within 3 SE" : "NOT within 3 SE" }
    let agreement = String(
      format: "vs chain mean %.6g: chain ensemble z = %+.2f (%@), EM z = %+.2f (%@), Milstein z = %+.2f (%@)",
      a.chain.mean, zChain, verdict(zChain), zEM, verdict(zEM), zMil, verdict(zMil))

    if let path = density { try AtomicFile.write(densityCSV(a), to: path) }

    if output.json {
      print(try JSONOutput.string(StationaryReport(a, zEM: zEM, zMilstein: zMil, zChain: zChain, agreement: agreement)))
      return
    }
    var table = Table(
      columns: ["quantity", "mean", "SE / error", "variance", "SE / error"],
      caption: "\(neuron.activation) neuron, w = \(neuron.w), b = \(neuron.b), sigma = \(neuron.sigma), noise \(neuron.noise.label), dt = \(neuron.dt), tau = \(neuron.tau)")
    for p in a.deterministicFixedPoints {
      table.append(["deterministic fixed point (\(p.stable ? "stable" : "unstable"))", NumberFormat.full(p.x), "", "", ""])
    }
    for p in a.noiseAveragedFixedPoints {
      table.append(["noise-averaged fixed point (\(p.stable ? "stable" : "unstable"))", NumberFormat.full(p.x), "", "", ""])
    }
    let c = a.chain, fp = a.fokkerPlanck
    table.append([
      "chain (transfer operator)", NumberFormat.full(c.mean), NumberFormat.short(c.meanDiscretisationError),
      NumberFormat.full(c.variance), NumberFormat.short(c.varianceDiscretisationError),
    ])
    table.append([
      "Fokker-Planck (diffusion approx.)", NumberFormat.full(fp.mean), NumberFormat.short(fp.relativeQuadratureError),
      NumberFormat.full(fp.variance), "",
    ])
    for (name, e) in [("chain ensemble", a.chainEnsemble), ("Euler-Maruyama ensemble", a.eulerMaruyama), ("Milstein ensemble", a.milstein)] {
      table.append([
        name, NumberFormat.full(e.mean), NumberFormat.short(e.meanStandardError),
        NumberFormat.full(e.variance), NumberFormat.short(e.varianceStandardError),
      ])
    }
    if let bias = a.bias {
      table.append(["bias (chain mean - nearest fixed point)", NumberFormat.full(bias), "", "", ""])
    }
    print(table.render(output.format), terminator: "")
    if output.format == .terminal { print(agreement) }
  }

  func densityCSV(_ a: StationaryAnalysis) -> String {
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

/// The JSON shape of `stationary --json`.
struct StationaryReport: Encodable {
  struct Point: Encodable {
    var x, multiplier: Double
    var stable: Bool
  }
  var activation, noise: String
  var w, b, sigma, dt, tau, gamma: Double
  var deterministic_fixed_points: [Point]
  var noise_averaged_fixed_points: [Point]
  var noise_averaged_fixed_point: Double?
  var chain_mean, chain_variance, chain_mean_error, chain_variance_error, chain_leak_rate: Double
  var fokker_planck_mean, fokker_planck_variance: Double
  var em_mean, em_mean_se, em_variance, em_variance_se: Double
  var milstein_mean, milstein_mean_se, milstein_variance, milstein_variance_se: Double
  var chain_ensemble_mean, chain_ensemble_mean_se, chain_ensemble_variance, chain_ensemble_variance_se: Double
  var bias: Double?
  var z_em, z_milstein, z_chain_ensemble: Double
  var agree_within_3se: Bool
  var agreement: String

  init(_ a: StationaryAnalysis, zEM: Double, zMilstein: Double, zChain: Double, agreement: String) {
    let n = a.neuron
    activation = n.activation.rawValue
    noise = n.noise.label
    w = n.w; b = n.b; sigma = n.sigma; dt = n.dt; tau = n.tau; gamma = n.gamma
    deterministic_fixed_points = a.deterministicFixedPoints.map { Point(x: $0.x, multiplier: $0.multiplier, stable: $0.stable) }
    noise_averaged_fixed_points = a.noiseAveragedFixedPoints.map { Point(x: $0.x, multiplier: $0.multiplier, stable: $0.stable) }
    noise_averaged_fixed_point = a.noiseAveragedFixedPoint
    chain_mean = a.chain.mean; chain_variance = a.chain.variance
    chain_mean_error = a.chain.meanDiscretisationError; chain_variance_error = a.chain.varianceDiscretisationError
    chain_leak_rate = a.chain.leakRate
    fokker_planck_mean = a.fokkerPlanck.mean; fokker_planck_variance = a.fokkerPlanck.variance
    em_mean = a.eulerMaruyama.mean; em_mean_se = a.eulerMaruyama.meanStandardError
    em_variance = a.eulerMaruyama.variance; em_variance_se = a.eulerMaruyama.varianceStandardError
    milstein_mean = a.milstein.mean; milstein_mean_se = a.milstein.meanStandardError
    milstein_variance = a.milstein.variance; milstein_variance_se = a.milstein.varianceStandardError
    chain_ensemble_mean = a.chainEnsemble.mean; chain_ensemble_mean_se = a.chainEnsemble.meanStandardError
    chain_ensemble_variance = a.chainEnsemble.variance; chain_ensemble_variance_se = a.chainEnsemble.varianceStandardError
    bias = a.bias
    z_em = zEM; z_milstein = zMilstein; z_chain_ensemble = zChain
    agree_within_3se = [zEM, zMilstein, zChain].allSatisfy { abs($0) <= 3 }
    self.agreement = agreement
  }
}
