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
    let solver = MultirootSolver()
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
    let solver = MultirootSolver()
    let r = try solver.solve(start: [-10, -5], residual: residual)
    // The finite-difference Jacobian (step √ε) slows, but does not stop,
    // convergence to the same root.
    XCTAssertEqual(r.x[0], 1, accuracy: 1e-10)
    XCTAssertEqual(r.x[1], 1, accuracy: 1e-10)
    XCTAssertLessThan(r.residualNorm, 1e-10)
  }

  func testStartAtRootTakesNoIteration() throws {
    let r = try MultirootSolver().solve(start: [1, 1], residual: residual, jacobian: jacobian)
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
    XCTAssertThrowsError(try MultirootSolver().solve(start: [-10, -5], residual: failing)) {
      XCTAssertEqual($0 as? Sentinel, Sentinel(tag: 7), "\($0)")
    }
    calls = 0
    XCTAssertThrowsError(try MultirootSolver().solve(start: [-10, -5], residual: failing, jacobian: jacobian)) {
      XCTAssertEqual($0 as? Sentinel, Sentinel(tag: 7), "\($0)")
    }
    // A throwing Jacobian, too.
    XCTAssertThrowsError(
      try MultirootSolver().solve(start: [-10, -5], residual: residual, jacobian: { _ in throw Sentinel(tag: 8) })
    ) { XCTAssertEqual($0 as? Sentinel, Sentinel(tag: 8), "\($0)") }
  }

  func testBadShapesAndEmptyStartThrow() {
    XCTAssertThrowsError(try MultirootSolver().solve(start: [], residual: { $0 })) {
      XCTAssertEqual(($0 as? GSLError)?.status, Int32(GSL_EBADLEN))
    }
    // A residual of the wrong length is reported, not read out of bounds.
    XCTAssertThrowsError(try MultirootSolver().solve(start: [1, 2], residual: { _ in [1, 2, 3] })) { error in
      guard let e = error as? GSLError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.status, Int32(GSL_EBADLEN))
      XCTAssert(e.reason.contains("3 components"), e.description)
    }
  }

  func testNoRootExhaustsOrFails() {
    // F(x) = x² + 1 has no real root: the solver must throw (no progress or
    // iteration limit), never return a "root".
    let solver = MultirootSolver(maxIterations: 50)
    XCTAssertThrowsError(
      try solver.solve(
        start: [3], residual: { [$0[0] * $0[0] + 1] },
        jacobian: { Matrix(rows: 1, columns: 1, elements: [2 * $0[0]]) })
    ) { XCTAssert($0 is GSLError, "\($0)") }
  }
}
