import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import CTRNN

final class SmallNoiseExpansionTests: XCTestCase {
  /// Least-squares slope of log y against log x.
  static func slope(_ x: [Double], _ y: [Double]) -> Double {
    let lx = x.map(log), ly = y.map(log)
    let mx = lx.reduce(0, +) / Double(lx.count), my = ly.reduce(0, +) / Double(ly.count)
    let sxy = zip(lx, ly).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
    let sxx = lx.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
    return sxy / sxx
  }

  static func network(_ f: Activation, _ noise: NoisePlacement) throws -> Network {
    try Network(checkpoint: try TaskAnalysisTests.eightUnits(f, noise), input: [0.3])
  }

  /// What is tested: the closure's mean is analytic in σ² for smooth f,
  /// m(σ) = h* + σ² a + O(σ⁴), and the expansion computes h* + σ² a' with
  /// a' = a (both linearise at h* to leading order: same D, same C/σ²). So
  /// its error |m_closure − m_expansion| is O(σ⁴) while the shift itself is
  /// O(σ²). The log–log slope of the error over σ ∈ [0.02, 0.16] must be 4
  /// within ±0.4 (the O(σ⁶) term bends it by at most (0.16)²·c, a few
  /// percent here), and the shift's slope 2 within ±0.2. An expansion that
  /// dropped the diag(W C Wᵀ) term or got a factor wrong would leave an
  /// O(σ²) error: slope 2, failing the first check.
  func testSmoothErrorFallsAtFourthOrder() throws {
    let sigmas = [0.02, 0.04, 0.08, 0.16]
    for f in [Activation.tanh, .softplus] {
      for noise in [NoisePlacement.inside, .outside] {
        let net = try Self.network(f, noise)
        let hStar = net.settle(from: [Double](repeating: 0, count: net.size))
        var errors: [Double] = [], shifts: [Double] = []
        for sigma in sigmas {
          let closure = try net.gaussianClosure(sigma: sigma, start: hStar)
          let e = try net.smallNoiseExpansion(sigma: sigma, at: hStar)
          XCTAssert(e.order.allSatisfy { $0 == .sigmaSquared })
          errors.append(zip(closure.mean, e.mean).map { abs($0 - $1) }.max()!)
          shifts.append(zip(closure.mean, hStar).map { abs($0 - $1) }.max()!)
        }
        let errorSlope = Self.slope(sigmas, errors), shiftSlope = Self.slope(sigmas, shifts)
        XCTAssertEqual(errorSlope, 4, accuracy: 0.4, "\(f) noise-\(noise.label): errors \(errors)")
        XCTAssertEqual(shiftSlope, 2, accuracy: 0.2, "\(f) noise-\(noise.label): shifts \(shifts)")
        // Relative error O(σ²): at σ = 0.02 the expansion carries the shift to < 1%.
        XCTAssertLessThan(errors[0], 0.01 * shifts[0])
      }
    }
  }

  /// One relu unit with no recurrence at its kink (μ* = 0): the closure is
  /// exact (s = σ) and E relu(σξ) = σ/√(2π), which the kink term gives
  /// exactly — an O(σ) shift, not O(σ²).
  func testReluAtKinkIsFirstOrder() throws {
    let k = try Checkpoint(
      activation: .relu, noise: .inside, sigmaTrain: 0.5, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 1, columns: 1, elements: [0]), input: Matrix(rows: 1, columns: 1, elements: [1]),
      bias: [0], readout: Matrix(rows: 1, columns: 1, elements: [2]), readoutBias: [0])
    let net = try Network(checkpoint: k, input: [0])
    for sigma in [0.01, 0.1, 0.5] {
      let e = try net.smallNoiseExpansion(sigma: sigma, at: [0])
      XCTAssertEqual(e.order, [.sigma])
      XCTAssertEqual(e.shift[0], sigma / (2 * Double.pi).squareRoot(), accuracy: 1e-14)
      XCTAssertEqual(e.readoutShift[0], 2 * sigma / (2 * Double.pi).squareRoot(), accuracy: 1e-14)
    }
  }

  /// Two relu units: unit 0 at its kink (b₀ = 0, no recurrent input),
  /// unit 1 active (μ₁ = 0.5) reading unit 0. Unit 0's law is exactly
  /// relu(σξ) (mean σ/√(2π): O(σ)); unit 1 is linear where it lives, so its
  /// mean is 0.4·E h₀ + 0.5 up to its kink's exponentially small term
  /// (< s φ(0.5/s), below 1e-10 for σ ≤ 0.05). So the expansion must match
  /// the closure to 1e-9 while the shift itself falls with slope 1.
  /// Where a kink unit also receives its own shift back through W, the
  /// kink term is only the leading coefficient's linearisation: the closure
  /// is homogeneous of degree 1 in σ there, and the expansion's error is
  /// O(σ) too (documented in SmallNoiseExpansion).
  func testReluKinkUnitFeedingForward() throws {
    let k = try Checkpoint(
      activation: .relu, noise: .inside, sigmaTrain: 0.5, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 2, columns: 2, elements: [0, 0, 0.4, 0]), input: Matrix(rows: 2, columns: 1, elements: [0, 0]),
      bias: [0, 0.5], readout: Matrix(rows: 1, columns: 2, elements: [1, -1]), readoutBias: [0])
    let net = try Network(checkpoint: k, input: [0])
    let hStar = [0.0, 0.5]
    let sigmas = [0.0125, 0.025, 0.05]
    var shifts: [Double] = []
    for sigma in sigmas {
      let closure = try net.gaussianClosure(sigma: sigma, start: hStar)
      let e = try net.smallNoiseExpansion(sigma: sigma, at: hStar)
      XCTAssertEqual(e.order, [.sigma, .sigmaSquared])
      for i in 0..<2 { XCTAssertEqual(e.mean[i], closure.mean[i], accuracy: 1e-9, "σ = \(sigma) unit \(i)") }
      shifts.append(abs(closure.mean[0] - hStar[0]))
    }
    XCTAssertEqual(Self.slope(sigmas, shifts), 1, accuracy: 0.01)
  }
}
