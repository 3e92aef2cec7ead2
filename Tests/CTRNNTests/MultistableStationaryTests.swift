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

  /// Mean first-passage times of the chain from the integral equation
  /// T(x) = 1 + ∫_{y ∉ target core} K(x, y) T(y) dy (steps), K the Gaussian
  /// transition density N(0.9x + 0.1 tanh(1.5x + 0.05), (0.1σ)²), solved by
  /// LU on a 1001-point grid over [−2, 2] (spacing 0.004, 25 points per
  /// kernel width; a 5001-point grid changes the rates by < 0.1 %). A dwell
  /// starts where a trajectory enters the core — between its edge and the
  /// fixed point — so the escape rate lies between 1/T(edge) and 1/T(h±).
  func theoreticalRateBracket(from k: Int, attractors a: [Double]) throws -> ClosedRange<Double> {
    let n = 1001, lo = -2.0, dx = 4.0 / Double(n - 1), s = 0.1 * Self.sigma
    let x = (0..<n).map { lo + Double($0) * dx }
    let r = 0.25 * abs(a[0] - a[1]), other = a[1 - k]
    var m = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      let mean = 0.9 * x[i] + 0.1 * tanh(Self.w * x[i] + Self.b)
      for j in 0..<n where abs(x[j] - other) > r {
        let d = (x[j] - mean) / s
        m[i * n + j] = -exp(-0.5 * d * d) / ((2 * Double.pi).squareRoot() * s) * dx
      }
      m[i * n + i] += 1
    }
    let t = try LUDecomposition(Matrix(rows: n, columns: n, elements: m)).solve([Double](repeating: 1, count: n))
    func at(_ v: Double) -> Double { t[Int(((v - lo) / dx).rounded())] * 0.1 }
    let edge = a[k] + (a[k] > other ? -r : r)
    let rates = [1 / at(a[k]), 1 / at(edge)]
    return rates.min()!...rates.max()!
  }

  func testEscapeRatesWithinTheFirstPassageTheory() throws {
    let net = try doubleWell()
    let attractors = try net.searchFixedPoints(search: FixedPointSearch()).points.filter(\.stable).map(\.h).sorted { $0[0] > $1[0] }
    var o = AttractorOccupancy.Options()
    o.trajectoriesPerAttractor = 32
    o.steps = 20_000
    o.burnIn = 2_000
    let occ = try net.attractorOccupancy(sigma: Self.sigma, attractors: attractors, options: o)
    for k in 0..<2 {
      let bracket = try theoreticalRateBracket(from: k, attractors: attractors.map { $0[0] })
      let rate = try XCTUnwrap(occ.attractors[k].escapeRate), se = try XCTUnwrap(occ.attractors[k].escapeRateStandardError)
      print("double well attractor \(k): escape rate \(rate) +- \(se), first-passage theory \(bracket)")
      // 4 SE beyond the bracket: a false failure below 1e-4.
      XCTAssert(rate >= bracket.lowerBound - 4 * se && rate <= bracket.upperBound + 4 * se, "\(rate) +- \(se) vs \(bracket)")
    }
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
