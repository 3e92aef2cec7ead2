import CGSL

/// 1-D root finding on a bracket (GSL `gsl_root_fsolver`, Brent by default).
///
/// Allocation in `init`, `deinit` frees; `solve` owns the iterate/test loop
/// with its iteration limit and tolerances in one place, as GSL's manual does.
public final class RootBracketing {
  public enum Method: Sendable { case brent, bisection }

  private let solver: UnsafeMutablePointer<gsl_root_fsolver>
  public var maxIterations: Int
  public var absoluteTolerance: Double
  public var relativeTolerance: Double

  public init(
    method: Method = .brent, maxIterations: Int = 200,
    absoluteTolerance: Double = 0, relativeTolerance: Double = 4 * Double.ulpOfOne
  ) throws(GSLError) {
    GSLRuntime.ensureInitialised()
    let type = method == .brent ? cgsl_root_fsolver_brent() : cgsl_root_fsolver_bisection()
    guard let solver = gsl_root_fsolver_alloc(type) else {
      throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating a root solver")
    }
    self.solver = solver
    self.maxIterations = maxIterations
    self.absoluteTolerance = absoluteTolerance
    self.relativeTolerance = relativeTolerance
  }

  deinit { gsl_root_fsolver_free(solver) }

  /// A root of `f` in [lower, upper]; f(lower) and f(upper) must differ in sign.
  public func solve(
    _ f: @escaping (Double) throws -> Double, lower: Double, upper: Double,
    context: String = "brent root"
  ) throws -> Double {
    let box = FunctionBox(f)
    let fl = box.call(lower), fu = box.call(upper)
    try box.rethrowIfNeeded()
    if fl == 0 { return lower }
    if fu == 0 { return upper }
    guard fl.sign != fu.sign else {
      throw GSLError(
        status: Int32(GSL_EINVAL), reason: "f(\(lower)) = \(fl) and f(\(upper)) = \(fu) have the same sign",
        context: "\(context): the interval does not bracket a root")
    }
    return try box.withGSLFunction { fn in
      try check(gsl_root_fsolver_set(solver, fn, lower, upper), context)
      for _ in 0..<maxIterations {
        let status = gsl_root_fsolver_iterate(solver)
        try box.rethrowIfNeeded()
        try check(status, context)
        let lo = gsl_root_fsolver_x_lower(solver), hi = gsl_root_fsolver_x_upper(solver)
        if gsl_root_test_interval(lo, hi, absoluteTolerance, relativeTolerance) == Int32(GSL_SUCCESS) || lo == hi {
          return gsl_root_fsolver_root(solver)
        }
      }
      throw GSLError(status: Int32(GSL_EMAXITER), context: "\(context) after \(maxIterations) iterations")
    }
  }
}
