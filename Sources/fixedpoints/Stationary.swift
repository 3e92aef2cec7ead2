import Neuron
import ArgumentParser
import CTRNN
import Foundation
import Platform
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
      Example: fixedpoints stationary --activation relu --w 0.5 --b 0.2 --sigma 0.3 --noise in
      """)

  @OptionGroup var neuronOptions: NeuronOptions

  @OptionGroup var simulation: SimulationOptions<Defaults>

  @OptionGroup var threading: ThreadOptions

  @Option(help: "Cells of the transfer-operator grid (8...5000).")
  var cells = 400

  @Option(help: "Write the densities (method,x,density) as CSV to this file.")
  var density: String?

  @OptionGroup var limits: LimitOptions

  @OptionGroup var output: OutputOptions

  enum Defaults: SimulationDefaults {
    static let trajectories = 200, steps = 20_000, burnIn = 2_000
  }

  var options: StationaryAnalysis.Options {
    var o = StationaryAnalysis.Options()
    o.trajectories = simulation.trajectories
    o.steps = simulation.steps
    o.burnIn = simulation.burnIn
    o.seed = simulation.seed
    o.threads = threading.threads
    o.cells = cells
    return o
  }

  func validate() throws {
    do { try options.validate() } catch { throw ParameterFlags.validationError(error) }
    guard cells >= 8 else { throw ValidationError("--cells must be at least 8, got \(cells)") }
    if let density { try OutputPath.validate(density, option: "--density") }
    do { try options.checkMemory(limits.budget()) } catch let e as PlatformError { throw ValidationError(ParameterFlags.message(e)) }
    do { try neuronOptions.neuron().checkStationary() } catch let e as NeuronError { throw ParameterFlags.validationError(e) }
  }

  func run() throws {
    let a = try StationaryAnalysis(neuron: try neuronOptions.neuron(), options: options)
    let report = StationaryReport(a)
    // Every number checked before anything is printed or written.
    try JSONOutput.requireFinite(report, stage: "the stationary analysis")
    if let path = density { try OutputFile.write(StationaryReport.densityCSV(a), to: path) }
    try output.emit(report, stage: "the stationary analysis")
  }
}
