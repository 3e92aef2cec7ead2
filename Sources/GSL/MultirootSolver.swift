import Foundation
import CGSL

/// A root of F: Rⁿ → Rⁿ found by GSL's multiroot solvers.
public struct MultirootResult: Sendable {
  public var x: [Double]
  public var residual: [Double]
  public var iterations: Int
  /// max |Fᵢ(x)|
  public var residualNorm: Double { residual.map(abs).max() ?? 0 }
}

/// n-dimensional root finding: Powell's hybrid method with an analytic
/// Jacobian (`hybridsj`) or with a finite-difference one (`hybrids`).
///
/// Owns its GSL workspaces (one of each method, for one dimension),
/// allocated in `init` and freed in `deinit`, like `Integrator`; reuse one
/// solver for many starts. Not thread-safe: one per thread.
///
/// The iterate/test loop lives here, once: it stops when every |Fᵢ| is below
/// `residualTolerance` or the step is below `stepTolerance` (absolute +
/// relative, GSL's `gsl_multiroot_test_delta`). `find` reports how it ended
/// as a `SolverOutcome`; `solve` returns a converged root or throws.
public final class MultirootSolver {
  public let dimension: Int
  public var maxIterations: Int
  public var residualTolerance: Double
  public var stepAbsoluteTolerance: Double
  public var stepRelativeTolerance: Double
  private let withJacobian: UnsafeMutablePointer<gsl_multiroot_fdfsolver>
  private let finiteDifference: UnsafeMutablePointer<gsl_multiroot_fsolver>
  private let start: UnsafeMutablePointer<gsl_vector>

  public init(
    dimension: Int, maxIterations: Int = 1000, residualTolerance: Double = 1e-12,
    stepAbsoluteTolerance: Double = 0, stepRelativeTolerance: Double = 1e-14
  ) throws(GSLError) {
    GSLRuntime.ensureInitialised()
    guard dimension > 0 else {
      throw GSLError(status: Int32(GSL_EBADLEN), reason: "dimension \(dimension); need at least 1", context: "multiroot solver")
    }
    let fdf = gsl_multiroot_fdfsolver_alloc(cgsl_multiroot_fdfsolver_hybridsj(), dimension)
    let f = gsl_multiroot_fsolver_alloc(cgsl_multiroot_fsolver_hybrids(), dimension)
    let x0 = gsl_vector_alloc(dimension)
    guard let fdf, let f, let x0 else {
      if let fdf { gsl_multiroot_fdfsolver_free(fdf) }
      if let f { gsl_multiroot_fsolver_free(f) }
      if let x0 { gsl_vector_free(x0) }
      throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating a \(dimension)-dimensional multiroot solver")
    }
    self.dimension = dimension
    self.maxIterations = maxIterations
    self.residualTolerance = residualTolerance
    self.stepAbsoluteTolerance = stepAbsoluteTolerance
    self.stepRelativeTolerance = stepRelativeTolerance
    withJacobian = fdf
    finiteDifference = f
    start = x0
  }

  deinit {
    gsl_multiroot_fdfsolver_free(withJacobian)
    gsl_multiroot_fsolver_free(finiteDifference)
    gsl_vector_free(start)
  }

  // MARK: - Outcomes

  /// Iterates from `start` with the analytic Jacobian (hybridsj) and says
  /// how it ended. Throws only when a closure throws or sizes are wrong;
  /// a non-finite F or J is `.leftDomain`, GSL's "no progress" `.stalled`.
  public func find(
    start: [Double], residual: @escaping ([Double]) throws -> [Double],
    jacobian: @escaping ([Double]) throws -> Matrix, context: String = "hybridsj"
  ) throws -> SolverOutcome<MultirootResult> {
    try runWithJacobian(start: start, residual: residual, jacobian: jacobian, context: context).outcome
  }

  /// As `find(start:residual:jacobian:)`, with a finite-difference Jacobian (hybrids).
  public func find(
    start: [Double], residual: @escaping ([Double]) throws -> [Double], context: String = "hybrids"
  ) throws -> SolverOutcome<MultirootResult> {
    try runFiniteDifference(start: start, residual: residual, context: context).outcome
  }

  /// Plain Newton steps J(x) dx = −F(x) from `start` with LAPACK's blocked
  /// LU (an O(N³) factorisation at dgemm-like speed, where hybridsj's
  /// unblocked QR and its unpacking cost seconds at N ≈ 500). Returns a
  /// root only when the residual test of `find` passes (Σ|Fᵢ| below
  /// `residualTolerance`) within `maxSteps` steps while Σ|Fᵢ| keeps falling;
  /// nil otherwise (no LAPACK, a singular J, a growing residual, too many
  /// steps), and the caller runs `find`. From a start near a regular root
  /// this converges quadratically to the root hybridsj converges to.
  public func newton(
    start: [Double], residual: ([Double]) throws -> [Double], jacobian: ([Double]) throws -> Matrix, maxSteps: Int = 12
  ) throws -> MultirootResult? {
    try newton(
      start: start, residual: residual,
      step: { x, rhs in LAPACK.solve(rowMajor: try jacobian(x).elements, n: x.count, rhs) }, maxSteps: maxSteps)
  }

  /// `newton(start:residual:jacobian:maxSteps:)` with the linear solve
  /// given: `step(x, rhs)` returns dx with J(x) dx = rhs (nil: singular),
  /// e.g. from an `LUCache`.
  public func newton(
    start: [Double], residual: ([Double]) throws -> [Double], step solveStep: ([Double], [Double]) throws -> [Double]?,
    maxSteps: Int = 12
  ) throws -> MultirootResult? {
    guard LAPACK.available, start.count == dimension else { return nil }
    var x = start
    var f = try residual(x)
    func l1(_ v: [Double]) -> Double { v.reduce(0) { $0 + abs($1) } }
    var norm = l1(f)
    guard norm.isFinite else { return nil }
    if norm < residualTolerance { return MultirootResult(x: x, residual: f, iterations: 0) }
    for step in 1...max(1, maxSteps) {
      guard let dx = try solveStep(x, f.map { -$0 }), dx.count == dimension else { return nil }
      let next = zip(x, dx).map { $0 + $1 }
      let fNext = try residual(next)
      let nextNorm = l1(fNext)
      guard nextNorm.isFinite, nextNorm < norm else { return nil }
      x = next
      f = fNext
      norm = nextNorm
      if norm < residualTolerance { return MultirootResult(x: x, residual: f, iterations: step) }
    }
    return nil
  }

  // MARK: - Converged or thrown

  /// Solves F(x) = 0 from `start` with the analytic Jacobian (hybridsj);
  /// every outcome but `.converged` is thrown as a `GSLError` naming it.
  public func solve(
    start: [Double], residual: @escaping ([Double]) throws -> [Double],
    jacobian: @escaping ([Double]) throws -> Matrix, context: String = "hybridsj"
  ) throws -> MultirootResult {
    try converged(runWithJacobian(start: start, residual: residual, jacobian: jacobian, context: context), context)
  }

  /// Solves F(x) = 0 from `start` with a finite-difference Jacobian (hybrids).
  public func solve(
    start: [Double], residual: @escaping ([Double]) throws -> [Double], context: String = "hybrids"
  ) throws -> MultirootResult {
    try converged(runFiniteDifference(start: start, residual: residual, context: context), context)
  }

  // MARK: - The loop

  /// An outcome and the GSL status that ended it (success when converged or
  /// out of iterations), so `solve` can word its error as GSL does.
  private typealias Run = (outcome: SolverOutcome<MultirootResult>, status: Int32)

  private func converged(_ run: Run, _ context: String) throws -> MultirootResult {
    switch run.outcome {
    case .converged(let r, _): return r
    case .maxIterations:
      throw GSLError(status: Int32(GSL_EMAXITER), context: "\(context) after \(maxIterations) iterations")
    default:
      let k = run.outcome.iterations
      throw GSLError(status: run.status, context: k == 0 ? "\(context): evaluating the start point" : "\(context) at iteration \(k)")
    }
  }

  private func checkStart(_ start: [Double], _ context: String) throws(GSLError) {
    guard !start.isEmpty else { throw GSLError(status: Int32(GSL_EBADLEN), reason: "empty start vector", context: context) }
    guard start.count == dimension else {
      throw GSLError(
        status: Int32(GSL_EBADLEN), reason: "start has \(start.count) components; the solver is \(dimension)-dimensional",
        context: context)
    }
  }

  private func runWithJacobian(
    start x: [Double], residual: @escaping ([Double]) throws -> [Double],
    jacobian: @escaping ([Double]) throws -> Matrix, context: String
  ) throws -> Run {
    try checkStart(x, context)
    let box = MultirootBox(n: dimension, residual: residual, jacobian: jacobian)
    let solver = withJacobian
    GSLVectorIO.copy(x, into: start)
    return try withExtendedLifetime(box) {
      var system = gsl_multiroot_function_fdf(
        f: { x, p, f in MultirootBox.from(p).f(x!, f!) },
        df: { x, p, j in MultirootBox.from(p).df(x!, j!) },
        fdf: { x, p, f, j in
          let box = MultirootBox.from(p)
          let s = box.f(x!, f!)
          return s == Int32(GSL_SUCCESS) ? box.df(x!, j!) : s
        },
        n: dimension, params: box.opaque)
      let status = gsl_multiroot_fdfsolver_set(solver, &system, start)
      return try iterate(
        box: box, context: context, setStatus: status,
        step: { gsl_multiroot_fdfsolver_iterate(solver) },
        x: { solver.pointee.x }, f: { solver.pointee.f }, dx: { solver.pointee.dx })
    }
  }

  private func runFiniteDifference(
    start x: [Double], residual: @escaping ([Double]) throws -> [Double], context: String
  ) throws -> Run {
    try checkStart(x, context)
    let box = MultirootBox(n: dimension, residual: residual, jacobian: nil)
    let solver = finiteDifference
    GSLVectorIO.copy(x, into: start)
    return try withExtendedLifetime(box) {
      var system = gsl_multiroot_function(f: { x, p, f in MultirootBox.from(p).f(x!, f!) }, n: dimension, params: box.opaque)
      let status = gsl_multiroot_fsolver_set(solver, &system, start)
      return try iterate(
        box: box, context: context, setStatus: status,
        step: { gsl_multiroot_fsolver_iterate(solver) },
        x: { solver.pointee.x }, f: { solver.pointee.f }, dx: { solver.pointee.dx })
    }
  }

  private func iterate(
    box: MultirootBox, context: String, setStatus: Int32, step: () -> Int32,
    x: () -> UnsafeMutablePointer<gsl_vector>?, f: () -> UnsafeMutablePointer<gsl_vector>?,
    dx: () -> UnsafeMutablePointer<gsl_vector>?
  ) throws -> Run {
    func result(_ iterations: Int) -> MultirootResult {
      MultirootResult(x: GSLVectorIO.array(x()!), residual: GSLVectorIO.array(f()!), iterations: iterations)
    }
    /// A failed GSL status as an outcome, or thrown when it is no outcome.
    func ended(_ status: Int32, _ iterations: Int) throws -> Run {
      switch status {
      case Int32(GSL_ENOPROG), Int32(GSL_ENOPROGJ): return (.stalled(result(iterations), iterations: iterations), status)
      case Int32(GSL_EBADFUNC): return (.leftDomain(result(iterations), iterations: iterations), status)
      default:
        throw GSLError(
          status: status, context: iterations == 0 ? "\(context): evaluating the start point" : "\(context) at iteration \(iterations)")
      }
    }
    try box.rethrowIfNeeded()
    if setStatus != Int32(GSL_SUCCESS) { return try ended(setStatus, 0) }
    if gsl_multiroot_test_residual(f(), residualTolerance) == Int32(GSL_SUCCESS) {
      return (.converged(result(0), iterations: 0), Int32(GSL_SUCCESS))
    }
    for iteration in 1...max(1, maxIterations) {
      let status = step()
      try box.rethrowIfNeeded()
      if status != Int32(GSL_SUCCESS) { return try ended(status, iteration) }
      if gsl_multiroot_test_residual(f(), residualTolerance) == Int32(GSL_SUCCESS)
        || gsl_multiroot_test_delta(dx(), x(), stepAbsoluteTolerance, stepRelativeTolerance) == Int32(GSL_SUCCESS)
      {
        return (.converged(result(iteration), iterations: iteration), Int32(GSL_SUCCESS))
      }
    }
    let k = max(1, maxIterations)
    return (.maxIterations(result(k), iterations: k), Int32(GSL_EMAXITER))
  }
}

extension MultirootBox {
  func rethrowIfNeeded() throws { if let thrown { throw thrown } }
}

/// LU factors of recent Jacobians by an exact key (the slopes that make
/// the matrix, bit for bit), so a Newton step whose matrix recurs skips
/// the O(N³) factorisation and gets dgesv's very bits (`LUFactors`). For
/// piecewise-linear maps (relu) the Jacobian takes one value per on/off
/// pattern, and every start that reaches a root ends on that root's
/// pattern. Holds the `capacity` most recently used factors; thread-safe,
/// and the solutions do not depend on what it holds.
public final class LUCache: @unchecked Sendable {
  private let capacity: Int
  private var entries: [(key: [UInt64], factors: LUFactors)] = []
  private let lock = NSLock()

  public init(capacity: Int = 8) { self.capacity = max(1, capacity) }

  /// x with J x = rhs, where `matrix()` builds the row-major J that `key`
  /// determines; called only when no factors for `key` are held.
  public func solve(key: [Double], rhs: [Double], matrix: () throws -> Matrix) rethrows -> [Double]? {
    let bits = key.map(\.bitPattern)
    lock.lock()
    let index = entries.lastIndex { $0.key == bits }
    let held = index.map { entries.remove(at: $0) }
    if let held { entries.append(held) }
    lock.unlock()
    if let held { return LAPACK.solve(held.factors, rhs) }
    let j = try matrix()
    guard let solved = LAPACK.solveKeepingFactors(rowMajor: j.elements, n: rhs.count, rhs) else { return nil }
    if let factors = solved.factors {
      lock.lock()
      if !entries.contains(where: { $0.key == bits }) {
        if entries.count >= capacity { entries.removeFirst() }
        entries.append((bits, factors))
      }
      lock.unlock()
    }
    return solved.x
  }
}
