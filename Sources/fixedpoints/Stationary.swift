import ArgumentParser
import CTRNN
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
    let a = try StationaryAnalysis(neuron: try neuronOptions.neuron(), options: options)
    let report = StationaryReport(a)
    if let path = density { try AtomicFile.write(StationaryReport.densityCSV(a), to: path) }
    if output.json {
      print(try JSONOutput.string(report))
    } else {
      print(report.render(output.format), terminator: "")
    }
  }
}
