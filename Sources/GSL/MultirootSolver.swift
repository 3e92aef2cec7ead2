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
/// The iterate/test loop lives here, once: it stops when every |Fᵢ| is below
/// `residualTolerance` or the step is below `stepTolerance` (absolute +
/// relative, GSL's `gsl_multiroot_test_delta`).
public struct MultirootSolver: Sendable {
  public var maxIterations: Int
  public var residualTolerance: Double
  public var stepAbsoluteTolerance: Double
  public var stepRelativeTolerance: Double

  public init(
    maxIterations: Int = 1000, residualTolerance: Double = 1e-12,
    stepAbsoluteTolerance: Double = 0, stepRelativeTolerance: Double = 1e-14
  ) {
    self.maxIterations = maxIterations
    self.residualTolerance = residualTolerance
    self.stepAbsoluteTolerance = stepAbsoluteTolerance
    self.stepRelativeTolerance = stepRelativeTolerance
  }

  /// Solves F(x) = 0 from `start` with the analytic Jacobian (hybridsj).
  public func solve(
    start: [Double], residual: @escaping ([Double]) throws -> [Double],
    jacobian: @escaping ([Double]) throws -> Matrix, context: String = "hybridsj"
  ) throws -> MultirootResult {
    GSLRuntime.ensureInitialised()
    let n = start.count
    guard n > 0 else { throw GSLError(status: Int32(GSL_EBADLEN), reason: "empty start vector", context: context) }
    let box = MultirootBox(n: n, residual: residual, jacobian: jacobian)
    guard let solver = gsl_multiroot_fdfsolver_alloc(cgsl_multiroot_fdfsolver_hybridsj(), n),
      let x0 = gsl_vector_alloc(n)
    else { throw GSLError(status: Int32(GSL_ENOMEM), context: "\(context): allocating an \(n)-dimensional solver") }
    defer {
      gsl_multiroot_fdfsolver_free(solver)
      gsl_vector_free(x0)
    }
    GSLVectorIO.copy(start, into: x0)
    return try withExtendedLifetime(box) {
      var system = gsl_multiroot_function_fdf(
        f: { x, p, f in MultirootBox.from(p).f(x!, f!) },
        df: { x, p, j in MultirootBox.from(p).df(x!, j!) },
        fdf: { x, p, f, j in
          let box = MultirootBox.from(p)
          let s = box.f(x!, f!)
          return s == Int32(GSL_SUCCESS) ? box.df(x!, j!) : s
        },
        n: n, params: box.opaque)
      let status = gsl_multiroot_fdfsolver_set(solver, &system, x0)
      try box.rethrowIfNeeded()
      try check(status, "\(context): evaluating the start point")
      return try iterate(box: box, context: context,
        step: { gsl_multiroot_fdfsolver_iterate(solver) },
        x: { solver.pointee.x }, f: { solver.pointee.f }, dx: { solver.pointee.dx })
    }
  }

  /// Solves F(x) = 0 from `start` with a finite-difference Jacobian (hybrids).
  public func solve(
    start: [Double], residual: @escaping ([Double]) throws -> [Double], context: String = "hybrids"
  ) throws -> MultirootResult {
    GSLRuntime.ensureInitialised()
    let n = start.count
    guard n > 0 else { throw GSLError(status: Int32(GSL_EBADLEN), reason: "empty start vector", context: context) }
    let box = MultirootBox(n: n, residual: residual, jacobian: nil)
    guard let solver = gsl_multiroot_fsolver_alloc(cgsl_multiroot_fsolver_hybrids(), n),
      let x0 = gsl_vector_alloc(n)
    else { throw GSLError(status: Int32(GSL_ENOMEM), context: "\(context): allocating an \(n)-dimensional solver") }
    defer {
      gsl_multiroot_fsolver_free(solver)
      gsl_vector_free(x0)
    }
    GSLVectorIO.copy(start, into: x0)
    return try withExtendedLifetime(box) {
      var system = gsl_multiroot_function(f: { x, p, f in MultirootBox.from(p).f(x!, f!) }, n: n, params: box.opaque)
      let status = gsl_multiroot_fsolver_set(solver, &system, x0)
      try box.rethrowIfNeeded()
      try check(status, "\(context): evaluating the start point")
      return try iterate(box: box, context: context,
        step: { gsl_multiroot_fsolver_iterate(solver) },
        x: { solver.pointee.x }, f: { solver.pointee.f }, dx: { solver.pointee.dx })
    }
  }

  private func iterate(
    box: MultirootBox, context: String, step: () -> Int32,
    x: () -> UnsafeMutablePointer<gsl_vector>?, f: () -> UnsafeMutablePointer<gsl_vector>?,
    dx: () -> UnsafeMutablePointer<gsl_vector>?
  ) throws -> MultirootResult {
    func result(_ iterations: Int) -> MultirootResult {
      MultirootResult(x: GSLVectorIO.array(x()!), residual: GSLVectorIO.array(f()!), iterations: iterations)
    }
    if gsl_multiroot_test_residual(f(), residualTolerance) == Int32(GSL_SUCCESS) { return result(0) }
    for iteration in 1...max(1, maxIterations) {
      let status = step()
      try box.rethrowIfNeeded()
      try check(status, "\(context) at iteration \(iteration)")
      if gsl_multiroot_test_residual(f(), residualTolerance) == Int32(GSL_SUCCESS)
        || gsl_multiroot_test_delta(dx(), x(), stepAbsoluteTolerance, stepRelativeTolerance) == Int32(GSL_SUCCESS)
      {
        return result(iteration)
      }
    }
    throw GSLError(status: Int32(GSL_EMAXITER), context: "\(context) after \(maxIterations) iterations")
  }
}

extension MultirootBox {
  func rethrowIfNeeded() throws { if let thrown { throw thrown } }
}
