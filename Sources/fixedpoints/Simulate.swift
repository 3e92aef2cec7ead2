import ArgumentParser
import Neuron
import Foundation
import Platform
import SDE

struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Trajectories of the noisy one-neuron CTRNN as CSV.",
    discussion: """
      Output is wide-format CSV: a header t,x0,x1,...; one row per saved time
      t (in units of time, k*dt) with one column per trajectory. Schemes: chain
      (the exact discrete model), em and milstein (its diffusion approximation
      at step dt). Trajectory j uses noise stream j of --seed.
      Example: fixedpoints simulate --activation tanh --sigma 0.5 --trajectories 2 --steps 100 --every 10
      """)

  enum Scheme: String, ExpressibleByArgument, CaseIterable { case chain, em, milstein }

  @OptionGroup var neuronOptions: NeuronOptions

  @Option(help: "chain, em or milstein.")
  var scheme: Scheme = .chain

  @Option(help: "Number of trajectories (>= 1).")
  var trajectories = 4

  @Option(help: "Steps of dt (>= 1).")
  var steps = 1_000

  @Option(help: "Save every k-th step (>= 1).")
  var every = 1

  @Option(name: .customLong("x0"), help: "Initial state (default: the stable deterministic fixed point, else 0).")
  var initial: Double?

  @Option(help: "Seed.")
  var seed: UInt64 = 1

  @Option(help: "Write the CSV to this file instead of stdout.")
  var out: String?

  @OptionGroup var limits: LimitOptions

  func validate() throws {
    guard trajectories >= 1 else { throw ValidationError("--trajectories must be at least 1, got \(trajectories)") }
    guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
    guard every >= 1 else { throw ValidationError("--every must be at least 1, got \(every)") }
    if let initial, !initial.isFinite { throw ValidationError("--x0 must be finite, got \(initial)") }
    if let out { try OutputPath.validate(out, option: "--out") }
    // A time bound, as for stationary's ensembles.
    let (work, overflow) = trajectories.multipliedReportingOverflow(by: steps)
    guard !overflow, work <= StationaryAnalysis.Options.maximumTrajectorySteps else {
      throw ValidationError("--trajectories × --steps (\(trajectories) × \(steps)) must be at most \(StationaryAnalysis.Options.maximumTrajectorySteps)")
    }
    // The saved paths and their CSV text: ~32 bytes per value (8 held, ~24 printed).
    let rows = steps / every + 2
    do {
      let what = "the paths of --trajectories \(trajectories) × (--steps \(steps) / --every \(every))"
      try limits.budget().require(bytes: MemoryBudget.checkedProduct(trajectories, rows, 32, what: what), for: what)
    } catch let e as PlatformError { throw ValidationError(ParameterFlags.message(e)) }
  }

  func run() throws {
    let neuron = try neuronOptions.neuron()
    let x0 = try initial ?? (neuron.deterministicFixedPoints().first(where: \.stable)?.x ?? 0)
    let options = EnsembleOptions(trajectories: trajectories, seed: seed, savePathsEvery: every)
    let solution: EnsembleSolution
    switch scheme {
    case .chain:
      solution = try Ensemble.solve(neuron.chain(initialState: x0, steps: steps), options: options)
    case .em, .milstein:
      // The moment table covers f's range (bounded f) or ±10 around x0.
      let (lo, hi) = neuron.activation.rangeBounds
      let range = (lo.isFinite ? lo - 1 : x0 - 10)...(hi.isFinite ? hi + 1 : x0 + 10)
      let approx = neuron.diffusionApproximation(table: try neuron.momentTable(xRange: range))
      let problem = try approx.problem(initialState: x0, steps: steps)
      solution = scheme == .em
        ? try Ensemble.solve(problem, EulerMaruyama(), options: options)
        : try Ensemble.solve(problem, Milstein(), options: options)
    }
    var s = "t," + (0..<trajectories).map { "x\($0)" }.joined(separator: ",") + "\n"
    let rows = solution.pathSteps.count
    for k in 0..<rows {
      // k·dt to 12 significant digits: 3 × 0.1 prints as 0.3, not 0.30000000000000004.
      s += "\(NumberList.tidy(Double(solution.pathSteps[k]) * neuron.dt))"
      for j in 0..<trajectories { s += ",\(solution.paths[j * rows + k])" }
      s += "\n"
    }
    if let out { try OutputFile.write(s, to: out) } else { print(s, terminator: "") }
  }
}
