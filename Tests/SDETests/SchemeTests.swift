import Foundation
import XCTest

@testable import SDE

/// Geometric Brownian motion dX = a X dt + b X dW, the standard test problem
/// of strong schemes: its exact solution on the same Brownian path is
/// X_T = X₀ exp((a − b²/2) T + b W_T).
enum GBM {
  static func problem(a: Double, b: Double, analyticDerivative: Bool = true) throws -> SDEProblem {
    var derivative: (@Sendable (Double, Double) -> Double)? = nil
    if analyticDerivative { derivative = { _, _ in b } }
    return try SDEProblem.scalar(
      initialState: 1, timeSpan: 0...1, step: 0.01,
      drift: { x, _ in a * x }, diffusion: { x, _ in b * x }, diffusionDerivative: derivative)
  }

  static func exact(a: Double, b: Double) -> ConvergenceStudy.ExactSolution {
    { x0, t, w in [x0[0] * exp((a - 0.5 * b * b) * t + b * w[0])] }
  }
}

final class SchemeTests: XCTestCase {
  /// One step by hand: X₁ = x + μΔt + gΔW (+ ½ g g′ (ΔW² − Δt) for Milstein),
  /// with μ = 2x, g = 3x, x = 1.5, Δt = 0.25, ΔW = 0.3.
  func testOneStepArithmetic() throws {
    let p = try SDEProblem.scalar(
      initialState: 1.5, timeSpan: 0...0.25, step: 0.25,
      drift: { x, _ in 2 * x }, diffusion: { x, _ in 3 * x }, diffusionDerivative: { _, _ in 3 })
    let em = try p.solve(EulerMaruyama(), save: .finalState) { _, dW in dW[0] = 0.3 }
    XCTAssertEqual(em.finalState[0], 1.5 + 3 * 0.25 + 4.5 * 0.3, accuracy: 1e-15)
    let mil = try p.solve(Milstein(), save: .finalState) { _, dW in dW[0] = 0.3 }
    XCTAssertEqual(mil.finalState[0], 1.5 + 3 * 0.25 + 4.5 * 0.3 + 0.5 * 4.5 * 3 * (0.09 - 0.25), accuracy: 1e-15)
  }

  /// With additive noise g′ = 0, Milstein is Euler–Maruyama exactly.
  func testMilsteinEqualsEulerForAdditiveNoise() throws {
    let p = try SDEProblem.scalar(
      initialState: 0.3, timeSpan: 0...2, step: 0.01,
      drift: { x, _ in -x + sin(x) }, diffusion: { _, _ in 0.7 }, diffusionDerivative: { _, _ in 0 })
    let a = try p.solve(EulerMaruyama(), seed: 4)
    let b = try p.solve(Milstein(), seed: 4)
    XCTAssertEqual(a.states, b.states)
  }

  /// The finite-difference g′ agrees with the analytic one to the ~1e-10
  /// relative accuracy of a central difference with step ε^(1/3).
  func testFiniteDifferenceDerivativeMatchesAnalytic() throws {
    let g: @Sendable (Double, Double) -> Double = { x, _ in 0.4 * (1 + x * x).squareRoot() }
    let withDerivative = try SDEProblem.scalar(
      initialState: 0.8, timeSpan: 0...1, step: 0.01, drift: { x, _ in -x }, diffusion: g,
      diffusionDerivative: { x, _ in 0.4 * x / (1 + x * x).squareRoot() })
    var without = withDerivative
    without.diffusionDerivative = nil
    let a = try withDerivative.solve(Milstein(), seed: 1, save: .finalState)
    let b = try without.solve(Milstein(), seed: 1, save: .finalState)
    XCTAssertEqual(a.finalState[0], b.finalState[0], accuracy: 1e-9 * abs(a.finalState[0]))
    XCTAssertNotEqual(a.finalState[0], try withDerivative.solve(EulerMaruyama(), seed: 1, save: .finalState).finalState[0])
  }

  /// Strong orders on a log–log grid of 5 steps (h = 1/32 … 1/512), 1000
  /// paths, GBM a = 1, b = 1 (noise strong enough that the h^½ term of
  /// Euler–Maruyama dominates its h drift error). Tolerance 0.1 on the fitted
  /// order, as the `verify` checks; the standard errors of the levels are
  /// ≤ 5 % and strongly correlated across levels (same paths), so the slope
  /// is far tighter than that.
  func testStrongOrders() throws {
    let p = try GBM.problem(a: 1, b: 1)
    let em = try ConvergenceStudy.strong(
      p, EulerMaruyama(), exact: GBM.exact(a: 1, b: 1), finestSteps: 512, levels: 5, paths: 1000, seed: 1)
    let mil = try ConvergenceStudy.strong(
      p, Milstein(), exact: GBM.exact(a: 1, b: 1), finestSteps: 512, levels: 5, paths: 1000, seed: 1)
    print("strong orders: EM \(em.order) \(em.errors), Milstein \(mil.order) \(mil.errors)")
    XCTAssertEqual(em.order, 0.5, accuracy: 0.1)
    XCTAssertEqual(mil.order, 1.0, accuracy: 0.1)
    // Milstein's error is below Euler's at every step size.
    for l in em.errors.indices { XCTAssertLessThan(mil.errors[l], em.errors[l]) }
  }

  /// Weak order of Euler–Maruyama for E X_T² of GBM (a = −1, b = 0.5) by the
  /// coupled estimator; steps 1/4 … 1/64. The exact EM value is
  /// E X_N² = ((1 + ah)² + b²h)^N (the second moment multiplies by that each
  /// step), so the weak error is known in closed form: the estimate must be
  /// within 4 SE of it at every level, and the fitted order within 0.15 of 1
  /// (the closed-form errors themselves have slope 0.973 on this grid, still
  /// slightly pre-asymptotic; 0.15 leaves ~0.12 for Monte-Carlo scatter).
  func testEulerWeakOrder() throws {
    let a = -1.0, b = 0.5
    let p = try GBM.problem(a: a, b: b)
    let r = try ConvergenceStudy.weak(
      p, EulerMaruyama(), exact: GBM.exact(a: a, b: b), observable: { $0[0] * $0[0] },
      finestSteps: 64, levels: 5, paths: 20000, seed: 3)
    print("weak order EM \(r.order) errors \(r.errors) ± \(r.standardErrors)")
    for (h, (e, se)) in zip(r.steps, zip(r.errors, r.standardErrors)) {
      let steps = (1 / h).rounded()
      let exactError = abs(pow((1 + a * h) * (1 + a * h) + b * b * h, steps) - exp(2 * a + b * b))
      XCTAssertEqual(e, exactError, accuracy: 4 * se, "h = \(h)")
    }
    XCTAssertEqual(r.order, 1, accuracy: 0.15)
  }

  func testStepCountAndSaveModes() throws {
    let p = try SDEProblem.scalar(
      initialState: 0, timeSpan: 0...1, step: 0.3, drift: { _, _ in 1 }, diffusion: { _, _ in 0 })
    XCTAssertEqual(p.stepCount, 4)
    XCTAssertEqual(p.step, 0.25)
    let all = try p.solve(EulerMaruyama(), seed: 0)
    XCTAssertEqual(all.times, [0, 0.25, 0.5, 0.75, 1])
    XCTAssertEqual(all.states, [0, 0.25, 0.5, 0.75, 1])
    let thinned = try p.solve(EulerMaruyama(), seed: 0, save: .path(every: 3))
    XCTAssertEqual(thinned.times, [0, 0.75, 1])
    let last = try p.solve(EulerMaruyama(), seed: 0, save: .finalState)
    XCTAssertEqual(last.times, [0, 1])
    XCTAssertEqual(last.returnCode, .success)
    let short = try p.solve(EulerMaruyama(), seed: 0, maxSteps: 2)
    XCTAssertEqual(short.returnCode, .maxSteps)
    XCTAssertEqual(short.times, [0, 0.25, 0.5])
  }

  /// dX = X³ dt from 10 overflows within a few Euler steps of 0.1.
  func testNonFiniteReturnCode() throws {
    let p = try SDEProblem.scalar(
      initialState: 10, timeSpan: 0...10, step: 0.1, drift: { x, _ in x * x * x }, diffusion: { _, _ in 0 })
    let s = try p.solve(EulerMaruyama(), seed: 0)
    guard case .nonFiniteState(let step) = s.returnCode else { return XCTFail("expected a non-finite state, got \(s.returnCode)") }
    XCTAssertLessThan(step, 10)
    XCTAssertFalse(s.finalState[0].isFinite)
  }

  func testInvalidArgumentsThrow() {
    XCTAssertThrowsError(try SDEProblem.scalar(initialState: 0, timeSpan: 0...1, step: 0, drift: { _, _ in 0 }, diffusion: { _, _ in 0 }))
    XCTAssertThrowsError(try SDEProblem.scalar(initialState: .nan, timeSpan: 0...1, step: 0.1, drift: { _, _ in 0 }, diffusion: { _, _ in 0 }))
    XCTAssertThrowsError(try SDEProblem(dimension: 2, initialState: [0], timeSpan: 0...1, step: 0.1, drift: { _, _, _ in }, diffusion: { _, _, _ in }))
  }
}
