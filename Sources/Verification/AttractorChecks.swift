import CTRNN
import Foundation
import GSL
import GaussianMoments
import Neuron
import SDE

/// Checks of multistable analysis: that the fixed-point search finds what an
/// exhaustive multi-start Newton search finds, and that the stationary
/// readout of a chain hopping between two attractors (the mixture over
/// basins) is the exact chain's.
enum AttractorChecks {
  static var all: [Check] {
    [
      Check(
        name: "hopfield-search-complete", unit: .absolute, tolerance: 0,
        reason: "Hopfield-like tanh net, N = 24, 3 stored ±1 patterns, W = (2/N) Σ ξξᵀ + 0.05/√N asymmetric noise: count of (roots an exhaustive search from 4000 random starts finds that the default search misses or classifies with another index) + (stored patterns ±ξ with no stable point of overlap > 0.8). Both searches run the same hybridsj solve, roots are the same within 1e-6; must be 0"
      ) {
        try hopfieldSearch()
      },
      Check(
        name: "double-well-mixture-readout", unit: .standardErrors, tolerance: 4,
        reason: "one tanh unit h' = 0.9h + 0.1(tanh(1.5h + 0.05) + σξ), σ = 1: two wells (escape rates ≈ 0.01 and 0.03 per unit time), hundreds of hops. The attractor-occupancy mixture readout (32 runs × 20000 steps, equal starts per well, SE over independent runs) vs the exact chain's stationary mean (transfer operator, Richardson-extrapolated, error ~1e-8). 4 SE fails by chance with p ≈ 6e-5"
      ) {
        try doubleWellMixture()
      },
    ]
  }

  /// The stored patterns and the network (tanh, noise-in; noise does not
  /// enter the deterministic search). Drawn from GSL's MT19937 at `seed`.
  static func hopfield(n: Int, patterns p: Int, seed: UInt) throws -> (Network, [[Double]]) {
    let rng = try GSLRandom(seed: seed)
    let xi = (0..<p).map { _ in (0..<n).map { _ in rng.uniform() < 0.5 ? -1.0 : 1.0 } }
    var w = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        w[i * n + j] = 2 / Double(n) * xi.reduce(0) { $0 + $1[i] * $1[j] } + 0.05 / Double(n).squareRoot() * rng.gaussian()
      }
    }
    let k = try NetworkChecks.checkpoint(.tanh, .inside, w: w, b: [Double](repeating: 0, count: n), readout: [Double](repeating: 1, count: n))
    return (try Network(checkpoint: k, input: [0]), xi)
  }

  static func hopfieldSearch() throws -> Double {
    let (net, patterns) = try hopfield(n: 24, patterns: 3, seed: 7)
    let found = try net.searchFixedPoints(search: FixedPointSearch()).points
    var exhaustive = FixedPointSearch()
    exhaustive.randomStarts = 4000
    exhaustive.seed = 99
    let reference = try net.deterministicFixedPoints(search: exhaustive)
    // The stored patterns alone are 2P attractors: fewer roots means the reference itself failed.
    guard reference.count >= 2 * patterns.count else {
      throw SDEError.numerical("the exhaustive search found only \(reference.count) roots")
    }
    func same(_ a: [Double], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 } }
    var misses = 0
    for r in reference {
      guard let match = found.first(where: { same($0.h, r.h) }), match.index == r.index else {
        misses += 1
        continue
      }
    }
    for xi in patterns {
      for sign in [1.0, -1.0] {
        let retrieved = found.contains { p in p.stable && sign * zip(p.h, xi).reduce(0) { $0 + $1.0 * $1.1 } / Double(xi.count) > 0.8 }
        if !retrieved { misses += 1 }
      }
    }
    return Double(misses)
  }

  static func doubleWellMixture() throws -> Double {
    let (w, b, sigma) = (1.5, 0.05, 1.0)
    let exact = try SingleNeuron(activation: .tanh, w: w, b: b, sigma: sigma, noise: .outside, dt: 0.1, tau: 1)
      .transferOperator(cells: 800).extrapolatedMean
    let net = try Network(checkpoint: NetworkChecks.checkpoint(.tanh, .outside, w: [w], b: [b], readout: [1]), input: [0])
    let wells = try net.deterministicFixedPoints().filter(\.stable).map(\.h)
    guard wells.count == 2 else { throw SDEError.numerical("the double well has \(wells.count) stable points, not 2") }
    var o = AttractorOccupancy.Options()
    o.trajectoriesPerAttractor = 16
    o.steps = 20_000
    o.burnIn = 2_000
    o.seed = 3
    let occupancy = try net.attractorOccupancy(sigma: sigma, attractors: wells, options: o)
    return abs(occupancy.mixtureReadout[0] - exact) / occupancy.mixtureReadoutStandardError[0]
  }
}
