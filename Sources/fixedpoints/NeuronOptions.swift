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

  @Option(help: "Noise sigma (> 0 for a stationary law): standard deviation of the Gaussian added at every step, to the pre-activation (in) or to f (out), in the units of x; not scaled by dt.")
  var sigma: Double = 0.5

  @Option(help: "Noise placement: in (x <- (1-g)x + g f(wx+b+sigma xi)) or out (x <- (1-g)x + g(f(wx+b)+sigma xi)).")
  var noise: NoisePlacement = .inside

  @Option(help: "Time step dt (> 0), in units of time (those of tau); g = dt/tau <= 1.")
  var dt: Double = 0.1

  @Option(help: "Time constant tau (> 0), in units of time.")
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
