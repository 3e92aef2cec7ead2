import CGSL

/// The end point of a least-squares minimisation.
public struct LeastSquaresResult: Sendable {
  /// The parameters.
  public var x: [Double]
  /// The residual vector r(x).
  public var residual: [Double]
  /// ∇Φ = Jᵀr at `x` (J as last evaluated by the solver).
  public var gradient: [Double]
  /// Φ = ½‖r‖².
  public var cost: Double { 0.5 * residual.reduce(0) { $0 + $1 * $1 } }
  public var gradientNorm: Double { gradient.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}

/// min_x ½‖r(x)‖² for r: Rᵖ → Rⁿ (n ≥ p) by GSL's trust-region methods
/// (`gsl_multifit_nlinear`): Levenberg–Marquardt by default.
///
/// Owns one workspace for one (n, p), allocated in `init` and freed in
/// `deinit`, like `Integrator`; reuse it for many starts. Not thread-safe.
///
/// Stopping is GSL's `gsl_multifit_nlinear_test`: a relative step below
/// `stepTolerance`, a scaled gradient below `gradientTolerance`
/// (maxᵢ |gᵢ|·max(|xᵢ|, 1) ≤ gtol·max(Φ, 1)), or a relative change of r below
/// `residualTolerance`. A tolerance of 0 switches its test off.
public final class NonlinearLeastSquares {
  /// The trust-region subproblem.
  public enum Method: Sendable {
    case levenbergMarquardt, levenbergMarquardtWithGeodesicAcceleration, dogleg, doubleDogleg, subspace2D
  }

  /// How the step's linear system is solved: QR of J (robust), Cholesky of
  /// the normal equations JᵀJ + μD (fastest, squares the condition number),
  /// or SVD (rank-deficient J).
  public enum Factorisation: Sendable { case qr, cholesky, svd }

  /// The diagonal scaling D of the trust region: Moré's (invariant under
  /// rescaling of the parameters, GSL's default), Levenberg's (D = I) or
  /// Marquardt's (D² = diag JᵀJ).
  public enum Scaling: Sendable { case more, levenberg, marquardt }

  public let residualCount: Int
  public let parameterCount: Int
  public var maxIterations: Int
  public var stepTolerance: Double
  public var gradientTolerance: Double
  public var residualTolerance: Double
  private let workspace: OpaquePointer
  /// GSL keeps a pointer to the fdf struct between `init` and `iterate`:
  /// it lives here, not on the stack.
  private let system: UnsafeMutablePointer<gsl_multifit_nlinear_fdf>
  private let start: UnsafeMutablePointer<gsl_vector>
  private let gradient: UnsafeMutablePointer<gsl_vector>

  public init(
    residuals n: Int, parameters p: Int, method: Method = .levenbergMarquardt, factorisation: Factorisation = .qr,
    scaling: Scaling = .more, maxIterations: Int = 500, stepTolerance: Double = 1e-14,
    gradientTolerance: Double = 1e-14, residualTolerance: Double = 0
  ) throws(GSLError) {
    GSLRuntime.ensureInitialised()
    guard p > 0, n >= p else {
      throw GSLError(
        status: Int32(GSL_EBADLEN), reason: "\(n) residuals for \(p) parameters; need n ≥ p ≥ 1",
        context: "nonlinear least squares")
    }
    var parameters = gsl_multifit_nlinear_default_parameters()
    switch method {
    case .levenbergMarquardt: parameters.trs = cgsl_multifit_nlinear_trs_lm()
    case .levenbergMarquardtWithGeodesicAcceleration: parameters.trs = cgsl_multifit_nlinear_trs_lmaccel()
    case .dogleg: parameters.trs = cgsl_multifit_nlinear_trs_dogleg()
    case .doubleDogleg: parameters.trs = cgsl_multifit_nlinear_trs_ddogleg()
    case .subspace2D: parameters.trs = cgsl_multifit_nlinear_trs_subspace2D()
    }
    switch factorisation {
    case .qr: parameters.solver = cgsl_multifit_nlinear_solver_qr()
    case .cholesky: parameters.solver = cgsl_multifit_nlinear_solver_cholesky()
    case .svd: parameters.solver = cgsl_multifit_nlinear_solver_svd()
    }
    switch scaling {
    case .more: parameters.scale = cgsl_multifit_nlinear_scale_more()
    case .levenberg: parameters.scale = cgsl_multifit_nlinear_scale_levenberg()
    case .marquardt: parameters.scale = cgsl_multifit_nlinear_scale_marquardt()
    }
    let w = gsl_multifit_nlinear_alloc(cgsl_multifit_nlinear_trust(), &parameters, n, p)
    let x0 = gsl_vector_alloc(p), g = gsl_vector_alloc(p)
    guard let w, let x0, let g else {
      if let w { gsl_multifit_nlinear_free(w) }
      if let x0 { gsl_vector_free(x0) }
      if let g { gsl_vector_free(g) }
      throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating a \(n)×\(p) least-squares workspace")
    }
    residualCount = n
    parameterCount = p
    self.maxIterations = maxIterations
    self.stepTolerance = stepTolerance
    self.gradientTolerance = gradientTolerance
    self.residualTolerance = residualTolerance
    workspace = OpaquePointer(w)
    start = x0
    gradient = g
    system = .allocate(capacity: 1)
    system.initialize(to: gsl_multifit_nlinear_fdf())
  }

  deinit {
    gsl_multifit_nlinear_free(UnsafeMutablePointer(workspace))
    gsl_vector_free(start)
    gsl_vector_free(gradient)
    system.deinitialize(count: 1)
    system.deallocate()
  }

  private var w: UnsafeMutablePointer<gsl_multifit_nlinear_workspace> { UnsafeMutablePointer(workspace) }

  /// Minimises ½‖r(x)‖² from `start`, with the analytic n×p Jacobian when
  /// given and GSL's forward differences otherwise, and says how it ended.
  ///
  /// Throws only when a closure throws or a size is wrong. A non-finite r
  /// or J at a trial point is `.leftDomain` (the iterate is the last point
  /// where both were finite); GSL's "no progress" (no step of the trust
  /// region lowers Φ: often a minimum at rounding level) is `.stalled`.
  public func minimise(
    start x: [Double], residual: @escaping ([Double]) throws -> [Double],
    jacobian: (([Double]) throws -> Matrix)? = nil, context: String = "nonlinear least squares"
  ) throws -> SolverOutcome<LeastSquaresResult> {
    guard x.count == parameterCount else {
      throw GSLError(
        status: Int32(GSL_EBADLEN), reason: "start has \(x.count) components, expected \(parameterCount)", context: context)
    }
    let box = MultirootBox(n: residualCount, p: parameterCount, context: context, residual: residual, jacobian: jacobian)
    GSLVectorIO.copy(x, into: start)
    return try withExtendedLifetime(box) {
      system.pointee = gsl_multifit_nlinear_fdf()
      system.pointee.f = { x, p, f in MultirootBox.from(p).f(x!, f!) }
      system.pointee.df = jacobian == nil ? nil : { x, p, j in MultirootBox.from(p).df(x!, j!) }
      system.pointee.fvv = nil
      system.pointee.n = residualCount
      system.pointee.p = parameterCount
      system.pointee.params = box.opaque
      defer { system.pointee.params = nil }

      func result(_ iterations: Int) -> LeastSquaresResult {
        let jac = gsl_multifit_nlinear_jac(w)
        let f = gsl_multifit_nlinear_residual(w)
        _ = gsl_blas_dgemv(CblasTrans, 1, jac, f, 0, gradient)
        return LeastSquaresResult(
          x: GSLVectorIO.array(gsl_multifit_nlinear_position(w)), residual: GSLVectorIO.array(f!),
          gradient: GSLVectorIO.array(gradient))
      }
      func ended(_ status: Int32, _ iterations: Int) throws -> SolverOutcome<LeastSquaresResult> {
        switch status {
        case Int32(GSL_ENOPROG), Int32(GSL_ENOPROGJ): return .stalled(result(iterations), iterations: iterations)
        case Int32(GSL_EBADFUNC) where iterations > 0: return .leftDomain(result(iterations), iterations: iterations)
        default:
          throw GSLError(
            status: status, context: iterations == 0 ? "\(context): evaluating the start point" : "\(context) at iteration \(iterations)")
        }
      }

      let status = gsl_multifit_nlinear_init(start, system, w)
      try box.rethrowIfNeeded()
      if status != Int32(GSL_SUCCESS) { return try ended(status, 0) }
      for iteration in 1...max(1, maxIterations) {
        let status = gsl_multifit_nlinear_iterate(w)
        try box.rethrowIfNeeded()
        if status != Int32(GSL_SUCCESS) { return try ended(status, iteration) }
        var info: Int32 = 0
        if gsl_multifit_nlinear_test(stepTolerance, gradientTolerance, residualTolerance, &info, w) == Int32(GSL_SUCCESS) {
          return .converged(result(iteration), iterations: iteration)
        }
      }
      let k = max(1, maxIterations)
      return .maxIterations(result(k), iterations: k)
    }
  }
}
