import CGSL
import Foundation
import GSL
import XCTest
import _TestSupport

final class RootBracketingTests: XCTestCase {
  /// The Dottie number, cos x = x: 0.73908513321516064166 (mpmath findroot, 40 digits).
  let dottie = 0.73908513321516064166

  func testBrentOnCosMinusX() throws {
    let solver = try RootBracketing()
    let root = try solver.solve({ cos($0) - $0 }, lower: 0, upper: 1)
    // Default relative tolerance 4 ulps on the bracket; allow 8 ulps of the root.
    XCTAssertEqual(root, dottie, accuracy: 8 * dottie.ulp)
  }

  func testBisection() throws {
    let solver = try RootBracketing(method: .bisection, maxIterations: 200, absoluteTolerance: 1e-12, relativeTolerance: 0)
    let root = try solver.solve({ cos($0) - $0 }, lower: 0, upper: 1)
    // Stopping rule |hi − lo| < 1e-12 puts the returned midpoint within 1e-12.
    XCTAssertEqual(root, dottie, accuracy: 1e-12)
  }

  func testEndpointRootIsReturned() throws {
    let solver = try RootBracketing()
    XCTAssertEqual(try solver.solve({ $0 - 2 }, lower: 2, upper: 5), 2)
    XCTAssertEqual(try solver.solve({ $0 - 5 }, lower: 2, upper: 5), 5)
  }

  func testNonBracketingIntervalThrows() throws {
    let solver = try RootBracketing()
    XCTAssertThrowsError(try solver.solve({ $0 * $0 + 1 }, lower: -1, upper: 1, context: "positive parabola")) { error in
      guard let e = error as? GSLError else { return XCTFail("not a GSLError: \(error)") }
      XCTAssertEqual(e.status, Int32(GSL_EINVAL))
      XCTAssert(e.context.contains("positive parabola"), e.description)
      XCTAssert(e.description.contains("does not bracket"), e.description)
      XCTAssert(e.reason.contains("same sign"), e.description)
    }
  }

  func testIterationLimitThrows() throws {
    // Bisection on [0, 1] needs ~40 halvings for 1e-12; 3 is not enough.
    let solver = try RootBracketing(method: .bisection, maxIterations: 3, absoluteTolerance: 1e-12, relativeTolerance: 0)
    XCTAssertThrowsError(try solver.solve({ cos($0) - $0 }, lower: 0, upper: 1)) { error in
      XCTAssertEqual((error as? GSLError)?.status, Int32(GSL_EMAXITER), "\(error)")
    }
  }

  func testClosureErrorIsRethrown() throws {
    let solver = try RootBracketing()
    // Thrown while evaluating the endpoints…
    XCTAssertThrowsError(try solver.solve({ _ in throw Sentinel(tag: 1) }, lower: 0, upper: 1)) {
      XCTAssertEqual($0 as? Sentinel, Sentinel(tag: 1))
    }
    // …and inside GSL's iteration.
    XCTAssertThrowsError(
      try solver.solve({ x in
        if x != 0 && x != 1 { throw Sentinel(tag: 2) }
        return cos(x) - x
      }, lower: 0, upper: 1)
    ) { XCTAssertEqual($0 as? Sentinel, Sentinel(tag: 2)) }
  }
}

/// GSL's own multiroot example: the Rosenbrock system
///   F(x, y) = (a(1 − x), b(y − x²)), a = 1, b = 10, root (1, 1).
final class MultirootSolverTests: XCTestCase {
  static let a = 1.0, b = 10.0
  let residual: ([Double]) throws -> [Double] = { x in [a * (1 - x[0]), b * (x[1] - x[0] * x[0])] }
  let jacobian: ([Double]) throws -> Matrix = { x in
    Matrix(rows: 2, columns: 2, elements: [-a, 0, -2 * b * x[0], b])
  }

  func testHybridsjWithJacobian() throws {
    let solver = try MultirootSolver(dimension: 2)
    let r = try solver.solve(start: [-10, -5], residual: residual, jacobian: jacobian)
    // Stops on residual < 1e-12 or a relative step < 1e-14; near the simple
    // root (1, 1) either means x is within ~1e-12 of it.
    XCTAssertEqual(r.x[0], 1, accuracy: 1e-10)
    XCTAssertEqual(r.x[1], 1, accuracy: 1e-10)
    XCTAssertLessThan(r.residualNorm, 1e-10)
    XCTAssertGreaterThan(r.iterations, 0)
    XCTAssertEqual(r.residual.count, 2)
  }

  func testHybridsFiniteDifference() throws {
    let solver = try MultirootSolver(dimension: 2)
    let r = try solver.solve(start: [-10, -5], residual: residual)
    // The finite-difference Jacobian (step √ε) slows, but does not stop,
    // convergence to the same root.
    XCTAssertEqual(r.x[0], 1, accuracy: 1e-10)
    XCTAssertEqual(r.x[1], 1, accuracy: 1e-10)
    XCTAssertLessThan(r.residualNorm, 1e-10)
  }

  func testStartAtRootTakesNoIteration() throws {
    let r = try MultirootSolver(dimension: 2).solve(start: [1, 1], residual: residual, jacobian: jacobian)
    XCTAssertEqual(r.iterations, 0)
    XCTAssertEqual(r.x, [1, 1])
  }

  func testThrowingResidualIsRethrown() throws {
    var calls = 0
    let failing: ([Double]) throws -> [Double] = { x in
      calls += 1
      if calls > 3 { throw Sentinel(tag: 7) }
      return [1 - x[0], 10 * (x[1] - x[0] * x[0])]
    }
    XCTAssertThrowsError(try MultirootSolver(dimension: 2).solve(start: [-10, -5], residual: failing)) {
      XCTAssertEqual($0 as? Sentinel, Sentinel(tag: 7), "\($0)")
    }
    calls = 0
    XCTAssertThrowsError(try MultirootSolver(dimension: 2).solve(start: [-10, -5], residual: failing, jacobian: jacobian)) {
      XCTAssertEqual($0 as? Sentinel, Sentinel(tag: 7), "\($0)")
    }
    // A throwing Jacobian, too.
    XCTAssertThrowsError(
      try MultirootSolver(dimension: 2).solve(start: [-10, -5], residual: residual, jacobian: { _ in throw Sentinel(tag: 8) })
    ) { XCTAssertEqual($0 as? Sentinel, Sentinel(tag: 8), "\($0)") }
  }

  func testBadShapesAndEmptyStartThrow() throws {
    XCTAssertThrowsError(try MultirootSolver(dimension: 0)) {
      XCTAssertEqual(($0 as? GSLError)?.status, Int32(GSL_EBADLEN))
    }
    let solver = try MultirootSolver(dimension: 2)
    XCTAssertThrowsError(try solver.solve(start: [], residual: { $0 })) {
      XCTAssertEqual(($0 as? GSLError)?.status, Int32(GSL_EBADLEN))
    }
    XCTAssertThrowsError(try solver.solve(start: [1, 2, 3], residual: { $0 })) {
      XCTAssertEqual(($0 as? GSLError)?.status, Int32(GSL_EBADLEN))
    }
    // A residual of the wrong length is reported, not read out of bounds.
    XCTAssertThrowsError(try solver.solve(start: [1, 2], residual: { _ in [1, 2, 3] })) { error in
      guard let e = error as? GSLError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.status, Int32(GSL_EBADLEN))
      XCTAssert(e.reason.contains("3 components"), e.description)
    }
  }

  func testNoRootExhaustsOrFails() throws {
    // F(x) = x² + 1 has no real root: the solver must throw (no progress or
    // iteration limit), never return a "root".
    let solver = try MultirootSolver(dimension: 1, maxIterations: 50)
    let residual: ([Double]) throws -> [Double] = { [$0[0] * $0[0] + 1] }
    let jacobian: ([Double]) throws -> Matrix = { Matrix(rows: 1, columns: 1, elements: [2 * $0[0]]) }
    XCTAssertThrowsError(try solver.solve(start: [3], residual: residual, jacobian: jacobian)) {
      XCTAssert($0 is GSLError, "\($0)")
    }
    // The same run as an outcome: not converged, with its last iterate.
    let outcome = try solver.find(start: [3], residual: residual, jacobian: jacobian)
    XCTAssertFalse(outcome.isConverged)
    XCTAssert([.stalled, .maxIterations].contains(outcome.code), "\(outcome.code)")
    XCTAssertGreaterThanOrEqual(outcome.iterate.residualNorm, 1, "x² + 1 ≥ 1 everywhere")
  }

  /// One workspace, many starts: each run starts afresh (GSL's set resets
  /// the solver), so reuse gives the same root and iteration count.
  func testReusedSolverRepeatsItself() throws {
    let solver = try MultirootSolver(dimension: 2)
    let first = try solver.find(start: [-10, -5], residual: residual, jacobian: jacobian)
    _ = try solver.find(start: [3, 7], residual: residual, jacobian: jacobian)
    let again = try solver.find(start: [-10, -5], residual: residual, jacobian: jacobian)
    XCTAssertEqual(first.code, .converged)
    XCTAssertEqual(again.iterate.x, first.iterate.x)
    XCTAssertEqual(again.iterations, first.iterations)
  }

  /// A residual that is non-finite away from the start is the domain's edge,
  /// an outcome with the last finite iterate; not a throw.
  func testNonFiniteResidualLeavesTheDomain() throws {
    // F(x) = log(x) − 5, defined for x > 0. From x = 1000 the Newton step
    // goes to x(6 − log x) ≈ −908, outside the domain.
    let solver = try MultirootSolver(dimension: 1)
    let outcome = try solver.find(
      start: [1000], residual: { [Foundation.log($0[0]) - 5] },
      jacobian: { Matrix(rows: 1, columns: 1, elements: [1 / $0[0]]) })
    // hybridsj evaluates F at the trial step and stops there: one
    // iteration, and the iterate is still the start (inside the domain).
    guard case .leftDomain(let r, let iterations) = outcome else { return XCTFail("\(outcome.code)") }
    XCTAssertEqual(iterations, 1)
    XCTAssertEqual(r.x, [1000])
    // `solve` words the same ending as GSL's error.
    XCTAssertThrowsError(
      try solver.solve(
        start: [1000], residual: { [Foundation.log($0[0]) - 5] },
        jacobian: { Matrix(rows: 1, columns: 1, elements: [1 / $0[0]]) }, context: "log root")
    ) { XCTAssertEqual(($0 as? GSLError)?.description.hasPrefix("log root at iteration 1:"), true, "\($0)") }
  }
}

/// The trust-region least-squares wrapper on known minima.
final class NonlinearLeastSquaresTests: XCTestCase {
  /// Rosenbrock as least squares: r = (1 − x, 10(y − x²)), minimum Φ = 0 at
  /// (1, 1), from the textbook start (−1.2, 1). A zero-residual problem:
  /// Gauss–Newton converges quadratically near the end, so the gradient
  /// test at 1e-14 leaves x within ~1e-10 of (1, 1) (‖Δx‖ ≈ ‖J⁻¹‖·‖r‖ with
  /// ‖r‖ ≲ 1e-12).
  func testRosenbrockMinimumIsOneOne() throws {
    let r: ([Double]) throws -> [Double] = { x in [1 - x[0], 10 * (x[1] - x[0] * x[0])] }
    let j: ([Double]) throws -> Matrix = { x in Matrix(rows: 2, columns: 2, elements: [-1, 0, -20 * x[0], 10]) }
    for factorisation in [NonlinearLeastSquares.Factorisation.qr, .cholesky, .svd] {
      let solver = try NonlinearLeastSquares(residuals: 2, parameters: 2, factorisation: factorisation)
      let outcome = try solver.minimise(start: [-1.2, 1], residual: r, jacobian: j)
      XCTAssertEqual(outcome.code, .converged, "\(factorisation)")
      XCTAssertEqual(outcome.iterate.x[0], 1, accuracy: 1e-10, "\(factorisation)")
      XCTAssertEqual(outcome.iterate.x[1], 1, accuracy: 1e-10, "\(factorisation)")
      XCTAssertLessThan(outcome.iterate.cost, 1e-20)
      XCTAssertGreaterThan(outcome.iterations, 1)
    }
    // Finite-difference Jacobian: same minimum, to the accuracy forward
    // differences (step √ε) allow.
    let fd = try NonlinearLeastSquares(residuals: 2, parameters: 2)
    let outcome = try fd.minimise(start: [-1.2, 1], residual: r)
    XCTAssertEqual(outcome.iterate.x[0], 1, accuracy: 1e-6)
    XCTAssertEqual(outcome.iterate.x[1], 1, accuracy: 1e-6)
  }

  /// A non-zero-residual fit with a closed-form answer: the line through
  /// (0, 0), (1, 1), (2, 3) by least squares is y = 1.5x − 1/6 (normal
  /// equations by hand). Linear, so one Gauss–Newton step is exact; the
  /// iterate then only moves by rounding.
  func testLinearFitHasTheNormalEquationsAnswer() throws {
    let xs = [0.0, 1, 2], ys = [0.0, 1, 3]
    let solver = try NonlinearLeastSquares(residuals: 3, parameters: 2, factorisation: .cholesky)
    let outcome = try solver.minimise(
      start: [0, 0], residual: { p in zip(xs, ys).map { p[0] * $0 + p[1] - $1 } },
      jacobian: { _ in Matrix(rows: 3, columns: 2, elements: [0, 1, 1, 1, 2, 1]) })
    XCTAssert([.converged, .stalled].contains(outcome.code), "\(outcome.code)")
    XCTAssertEqual(outcome.iterate.x[0], 1.5, accuracy: 1e-12)
    XCTAssertEqual(outcome.iterate.x[1], -1.0 / 6, accuracy: 1e-12)
    XCTAssertLessThan(outcome.iterate.gradientNorm, 1e-12)
    // Φ = ½ Σ residual² = ½ (1/36 + 4/36 + 1/36) = 1/12.
    XCTAssertEqual(outcome.iterate.cost, 1.0 / 12, accuracy: 1e-14)
  }

  func testBadSizesThrowAndClosuresRethrow() throws {
    XCTAssertThrowsError(try NonlinearLeastSquares(residuals: 1, parameters: 2))
    let solver = try NonlinearLeastSquares(residuals: 2, parameters: 2)
    XCTAssertThrowsError(try solver.minimise(start: [1], residual: { $0 }))
    XCTAssertThrowsError(try solver.minimise(start: [1, 2], residual: { _ in throw Sentinel(tag: 9) })) {
      XCTAssertEqual($0 as? Sentinel, Sentinel(tag: 9))
    }
    XCTAssertThrowsError(
      try solver.minimise(start: [1, 2], residual: { $0 }, jacobian: { _ in Matrix(rows: 3, columns: 2) })
    ) { XCTAssertEqual(($0 as? GSLError)?.status, Int32(GSL_EBADLEN)) }
  }
}
