import ArgumentParser
import CTRNN

/// Each command's defaults for the ensemble options: `analyze` runs many σ
/// on an N-dimensional network, `stationary` one neuron to high precision.
protocol SimulationDefaults {
  static var trajectories: Int { get }
  static var steps: Int { get }
  static var burnIn: Int { get }
}

/// The ensemble options every simulating command shares.
struct SimulationOptions<Defaults: SimulationDefaults>: ParsableArguments {
  @Option(help: "Trajectories per ensemble (>= 2).")
  var trajectories = Defaults.trajectories

  @Option(help: "Steps of dt per trajectory (time = steps x dt).")
  var steps = Defaults.steps

  @Option(name: .customLong("burn-in"), help: "Steps discarded before statistics (< steps).")
  var burnIn = Defaults.burnIn

  @Option(help: "Seed of the random numbers (trajectory j uses noise stream j).")
  var seed: UInt64 = 1
}

extension SimulationOptions {
  /// The network layer's ensemble options from these and a thread count.
  func network(threads: Int) -> NetworkSimulationOptions {
    var o = NetworkSimulationOptions()
    o.trajectories = trajectories
    o.steps = steps
    o.burnIn = burnIn
    o.seed = seed
    o.threads = threads
    return o
  }
}
