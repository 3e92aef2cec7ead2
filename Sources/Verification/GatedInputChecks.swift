import CTRNN
import Foundation
import GSL
import GaussianMoments

/// Checks of Gulcehre's gated noise at the input of h (φ = h(x + σ d G ξ),
/// `GateSite.input`): its noise averages against Monte Carlo and against an
/// independent quadrature over ξ, and the closure built on them against the
/// exact chain.
enum GatedInputChecks {
  static let gate = NoiseGate(p: 4, site: .input)

  static var all: [Check] {
    [
      Check(
        name: "gated-input-moments-mc", unit: .standardErrors, tolerance: 4,
        reason: "E phi and E phi^2 of h(x + sigma d G xi) (hardtanh, p = 4, sigma = 1; normal and half-normal xi; x in {-1.8, 1.3, 2.4}) vs the means over 200 000 draws of the chain's sampler: 4 SE"
      ) { try monteCarlo() },
      Check(
        name: "gated-input-closed-forms", unit: .absolute, tolerance: 1e-10,
        reason: "normal xi: hardtanh/hard-sigmoid Gaussian moments at (x, sigma |d G|) and the slope's tilt term vs quadrature over xi (asked for 1e-12 relative) at 10 points in saturation, sigma in {0.3, 1, 2}; values O(1)"
      ) { try closedForms() },
      Check(
        name: "gated-input-closure-vs-chain", unit: .relative, tolerance: 1,
        reason: "3-unit hardtanh network with the input-site gate (p = 4, half-normal), sigma = 1.5: |simulated - closure| readout as a fraction of 4 SE + 10% of the simulated bias, as for the laws"
      ) { try NoiseLawChecks.closureVersusChain(checkpoint(), sigma: 1.5) },
    ]
  }

  /// `NoiseLawChecks`' saturating network; the gate's metadata carries the site.
  static func checkpoint() throws -> Checkpoint { try NoiseLawChecks.checkpoint(law: .halfNormal, gate: gate) }

  static func monteCarlo() throws -> Double {
    let q = try NoiseLawChecks.integrator()
    var worst = 0.0
    for law in [NoiseLaw.gaussian, .halfNormal] {
      let xs = NoiseLawChecks.draws(law, count: 200_000, seed: 29)
      for x in [-1.8, 1.3, 2.4] {
        let m = try gate.inputMoments(.hardtanh, x, sigma: 1, law: law, integrator: q)
        let ys = xs.map { gate.value(.hardtanh, x, sigma: 1, xi: $0) }
        worst = max(worst, NoiseLawChecks.z(ys, m.mean), NoiseLawChecks.z(ys.map { $0 * $0 }, m.secondMoment))
      }
    }
    return worst
  }

  static func closedForms() throws -> Double {
    let q = try NoiseLawChecks.integrator()
    var worst = 0.0
    for (f, xs) in [(Activation.hardtanh, [-3.0, -1.4, 1.05, 1.6, 2.5]), (.hardsigmoid, [-4.5, -2.3, 2.1, 3.2, 5.0])] {
      for x in xs {
        for sigma in [0.3, 1.0, 2.0] {
          let a = try gate.inputMoments(f, x, sigma: sigma, law: .gaussian, integrator: q)
          let b = try gate.inputMoments(f, x, sigma: sigma, law: .gaussian, integrator: q, closedForm: false)
          worst = max(worst, abs(a.mean - b.mean), abs(a.secondMoment - b.secondMoment), abs(a.slope - b.slope))
        }
      }
    }
    return worst
  }
}
