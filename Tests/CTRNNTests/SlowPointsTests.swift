import Foundation
import XCTest

@testable import CTRNN

/// Slow points of a network whose answer is known coordinate by coordinate.
final class SlowPointsTwoNeuronTests: XCTestCase {
  /// Two uncoupled tanh neurons, each w = 2, b = −0.6 (past the saddle-node,
  /// see `SlowPointTests`): with g(x) = tanh(2x − 0.6) − x,
  /// q(h) = ½γ²(g(h₁)² + g(h₂)²). Its minima with q > 0 put each coordinate
  /// at the lower fixed point x₀ (g = 0) or at the ghost
  /// x* = (atanh(1/√2) + 0.6)/2 (g′ = 0, |g| locally least), but not both
  /// at x₀: (x₀, x*), (x*, x₀) with q = ½γ²g(x*)², and (x*, x*) with twice
  /// that. The minimiser must find exactly these three from a grid of starts.
  func testGhostsOfTwoUncoupledNeurons() throws {
    let net = try TestNetworks.network(.tanh, .outside, w: [[2, 0], [0, 2]], b: [-0.6, -0.6])
    let grid = stride(from: -1.0, through: 1.0, by: 0.25)
    let starts = grid.flatMap { a in grid.map { [a, $0] } }
    let slow = net.slowPoints(starts: starts, maxSpeed: 1e-4)
    XCTAssertEqual(slow.count, 3, "\(slow.map(\.h))")
    guard slow.count == 3 else { return }

    let ghost = (atanh(1 / 2.0.squareRoot()) + 0.6) / 2
    let g = tanh(2 * ghost - 0.6) - ghost
    let gamma = 0.1
    let q1 = 0.5 * gamma * gamma * g * g
    // Each coordinate is within ~1e-5 of its exact value (the tolerance of
    // the one-neuron test: ‖∇q‖ ≤ 1e-8γ with q″ ~ 1e-3), so q, quadratic in
    // the error at a minimum, is within ~1e-3·1e-10 of exact: relative 1e-8
    // of q₁ ≈ 5.6e-6 is safe.
    XCTAssertEqual(slow[0].speed, q1, accuracy: 1e-8 * q1)
    XCTAssertEqual(slow[1].speed, q1, accuracy: 1e-8 * q1)
    XCTAssertEqual(slow[2].speed, 2 * q1, accuracy: 2e-8 * q1)
    for p in slow {
      for x in p.h {
        let atGhost = abs(x - ghost) <= 1e-5
        let atFixedPoint = abs(tanh(2 * x - 0.6) - x) <= 1e-8
        XCTAssert(atGhost || atFixedPoint, "coordinate \(x) of \(p.h)")
      }
      XCTAssertLessThanOrEqual(p.gradientNorm, 1e-8 * gamma * (1 + (2 * p.speed).squareRoot()))
    }
    XCTAssertEqual(slow[2].h[0], ghost, accuracy: 1e-5)
    XCTAssertEqual(slow[2].h[1], ghost, accuracy: 1e-5)
  }
}
