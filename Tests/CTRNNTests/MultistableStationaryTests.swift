import Foundation
import GSL
import XCTest

@testable import CTRNN

/// A one-unit double well, h ← 0.9 h + 0.1 (tanh(1.5 h + 0.05) + σξ)
/// (noise-out, dt = 0.1, τ = 1): stable points h₊ ≈ 0.878 and h₋ ≈ −0.834,
/// a saddle between them. At σ = 1 it hops every ~30–90 time units, and the
/// bias b = 0.05 makes the weights unequal (≈ 0.74 / 0.26), so the mixture
/// readout is not 0 by symmetry.
final class MultistableStationaryTests: XCTestCase {
  static let w = 1.5, b = 0.05, sigma = 1.0

  func doubleWell() throws -> Network {
    try TestNetworks.network(.tanh, .outside, w: [[Self.w]], b: [Self.b])
  }

  /// The same chain in the test's own loop (its own RNG, one long run): core
  /// labels as documented in `AttractorOccupancy`, exits per attractor, and
  /// the readout's batch means over blocks of 20 000 steps (≥ 20 dwells).
  func reference(attractors a: [Double], steps: Int) throws -> (rates: [Double], counts: [Int], mean: Double, se: Double) {
    let rng = try GSLRandom(seed: 77)
    let r = 0.25 * abs(a[0] - a[1])
    var h = a[0], label = 0
    var exits = [0, 0], time = [0, 0]
    let block = 20_000
    var blockSums: [Double] = [], sum = 0.0
    for t in 0..<steps {
      h = 0.9 * h + 0.1 * (tanh(Self.w * h + Self.b) + Self.sigma * rng.gaussian())
      if let j = (0..<2).first(where: { abs(h - a[$0]) <= r }), j != label {
        exits[label] += 1
        label = j
      }
      time[label] += 1
      sum += h
      if (t + 1) % block == 0 {
        blockSums.append(sum / Double(block))
        sum = 0
      }
    }
    let mean = blockSums.reduce(0, +) / Double(blockSums.count)
    let v = blockSums.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(blockSums.count - 1)
    return ((0..<2).map { Double(exits[$0]) / (Double(time[$0]) * 0.1) }, exits, mean, (v / Double(blockSums.count)).squareRoot())
  }

  func testEscapeRatesAndMixtureAgreeWithALongRun() throws {
    let net = try doubleWell()
    let stable = try net.searchFixedPoints(search: FixedPointSearch()).points.filter(\.stable).map(\.h)
    XCTAssertEqual(stable.count, 2)
    let attractors = stable.sorted { $0[0] > $1[0] }
    var o = AttractorOccupancy.Options()
    o.trajectoriesPerAttractor = 32
    o.steps = 20_000
    o.burnIn = 2_000
    let occ = try net.attractorOccupancy(sigma: Self.sigma, attractors: attractors, options: o)
    let ref = try reference(attractors: attractors.map { $0[0] }, steps: 1_200_000)
    XCTAssert(occ.converged && occ.mixing)
    // Both sides ~900 exits per well: Poisson SE ~3 %; 4 combined SE keeps a
    // false failure below 1e-4 per comparison.
    for k in 0..<2 {
      let lib = try XCTUnwrap(occ.attractors[k].escapeRate), libSE = try XCTUnwrap(occ.attractors[k].escapeRateStandardError)
      let refSE = ref.rates[k] / Double(ref.counts[k]).squareRoot()
      print("double well attractor \(k): escape rate library \(lib) +- \(libSE) (\(occ.attractors[k].exits) exits), long run \(ref.rates[k]) +- \(refSE) (\(ref.counts[k]) exits); weight \(occ.attractors[k].weight) +- \(occ.attractors[k].weightStandardError)")
      XCTAssertGreaterThan(occ.attractors[k].exits, 200)
      XCTAssertEqual(lib, ref.rates[k], accuracy: 4 * (libSE * libSE + refSE * refSE).squareRoot())
    }
    // Mixture readout (= time average, readout z = h) against the long run's
    // batch means; the weights are far from the equal split of the starts.
    let m = occ.mixtureReadout[0], se = occ.mixtureReadoutStandardError[0]
    print("double well mixture readout: library \(m) +- \(se), long run \(ref.mean) +- \(ref.se)")
    XCTAssertEqual(m, ref.mean, accuracy: 4 * (se * se + ref.se * ref.se).squareRoot())
    XCTAssertGreaterThan(occ.attractors[0].weight, 0.6, "the b > 0 well holds most of the time (~0.74)")
    let pooled = occ.attractors.reduce(0.0) { $0 + $1.weight * $1.readout![0] }
    XCTAssertEqual(pooled, m, accuracy: 1e-9, "the mixture is the weighted sum of the per-attractor readouts")
  }

  /// At small σ nobody hops: the report must say the weights are not converged.
  func testNoHoppingIsNotConverged() throws {
    let net = try doubleWell()
    let attractors = try net.searchFixedPoints(search: FixedPointSearch()).points.filter(\.stable).map(\.h)
    var o = AttractorOccupancy.Options()
    o.steps = 2_000
    o.burnIn = 200
    let occ = try net.attractorOccupancy(sigma: 0.1, attractors: attractors, options: o)
    XCTAssertEqual(occ.transitions, 0)
    XCTAssertFalse(occ.converged)
    XCTAssertEqual(occ.attractors.map(\.weight), [0.5, 0.5], "equal starts per basin, no hops")
  }
}
