import ArgumentParser
import GaussianMoments

extension GateSite: ExpressibleByArgument {}

extension NoiseGate {
  /// The checks `train --noise gated` and `paradox --noise gated|gated-input`
  /// share: the gate must suit the activation, and the noise law must be one
  /// of Gulcehre et al.'s two. `noise` is the --noise value, for the message.
  func check(noise: String, law: NoiseLaw, activation: Activation) throws {
    if let problem = problem(activation: activation) { throw ValidationError("--noise \(noise): \(problem)") }
    guard [.gaussian, .halfNormal].contains(law) else {
      throw ValidationError("--noise-law \(law.rawValue): gated noise takes gaussian or half-normal (Gulcehre et al.'s two)")
    }
  }
}
