import ArgumentParser
import Foundation
import Neuron
import GaussianMoments

extension NoisePlacement: ExpressibleByArgument {}

/// The one-neuron CTRNN shared by `stationary` and `simulate`.
struct NeuronOptions: ParsableArguments {
  @Option(help: "Activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
  var activation: Activation = .tanh

  @Option(help: "Recurrent weight w.")
  var w: Double = 1.2

  @Option(help: "Bias b.")
  var b: Double = 0.1

  @Option(help: "Noise standard deviation sigma (> 0 for a stationary law).")
  var sigma: Double = 0.5

  @Option(help: "Noise placement: in (x <- (1-g)x + g f(wx+b+sigma xi)) or out (x <- (1-g)x + g(f(wx+b)+sigma xi)).")
  var noise: NoisePlacement = .inside

  @Option(help: "Time step dt (> 0); g = dt/tau <= 1.")
  var dt: Double = 0.1

  @Option(help: "Time constant tau (> 0).")
  var tau: Double = 1

  func neuron() throws -> SingleNeuron {
    do {
      return try SingleNeuron(activation: activation, w: w, b: b, sigma: sigma, noise: noise, dt: dt, tau: tau)
    } catch {
      throw ParameterFlags.validationError(error)
    }
  }

  func validate() throws { _ = try neuron() }
}
