import CGSL

/// The value of an integral with the error bound GSL's adaptive rule reports.
public struct IntegrationResult: Sendable {
  public var value: Double
  /// GSL's estimate of the absolute error. For QUADPACK rules this is a
  /// conservative bound in practice, not a guarantee.
  public var errorBound: Double
  /// Number of integrand evaluations.
  public var evaluations: Int
}

/// Adaptive QUADPACK integration (GSL `gsl_integration_qag*`).
///
/// Owns one `gsl_integration_workspace`, allocated in `init`, freed in
/// `deinit`. A workspace is not thread-safe: use one per thread.
public final class Integrator {
  public let limit: Int
  public var absoluteTolerance: Double
  public var relativeTolerance: Double
  /// When true, GSL's "roundoff error detected" (the requested tolerance is
  /// below what rounding allows) returns GSL's best value with its own error
  /// estimate instead of throwing. Every other failure still throws.
  public var acceptsRoundoff = false
  private let workspace: UnsafeMutablePointer<gsl_integration_workspace>

  /// - Parameters:
  ///   - limit: maximum number of subintervals.
  ///   - absoluteTolerance, relativeTolerance: the requested accuracy; GSL
  ///     stops when the error estimate is below max(epsabs, epsrel·|I|).
  public init(limit: Int = 1000, absoluteTolerance: Double = 0, relativeTolerance: Double = 1e-12) throws(GSLError) {
    GSLRuntime.ensureInitialised()
    guard limit > 0, let workspace = gsl_integration_workspace_alloc(limit) else {
      throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating an integration workspace of \(limit) intervals")
    }
    self.limit = limit
    self.absoluteTolerance = absoluteTolerance
    self.relativeTolerance = relativeTolerance
    self.workspace = workspace
  }

  deinit { gsl_integration_workspace_free(workspace) }

  /// ∫_a^b f, adaptive with singularity extrapolation (QAGS).
  public func integrate(
    _ f: @escaping (Double) throws -> Double, from a: Double, to b: Double,
    context: String = "qags"
  ) throws -> IntegrationResult {
    try run(f, context: context) { fn, result, error in
      gsl_integration_qags(fn, a, b, absoluteTolerance, relativeTolerance, limit, workspace, result, error)
    }
  }

  /// ∫_a^b f with known interior breakpoints (kinks, discontinuities) (QAGP).
  /// `points` must lie strictly inside (a, b); they are sorted here.
  public func integrate(
    _ f: @escaping (Double) throws -> Double, from a: Double, to b: Double, breakpoints: [Double],
    context: String = "qagp"
  ) throws -> IntegrationResult {
    // QAGP needs strictly increasing points: a repeated one would make an
    // empty interval, which GSL reports as a singularity.
    let interior = Array(Set(breakpoints.filter { $0 > a && $0 < b })).sorted()
    var pts = [a] + interior + [b]
    return try run(f, context: context) { fn, result, error in
      gsl_integration_qagp(fn, &pts, pts.count, absoluteTolerance, relativeTolerance, limit, workspace, result, error)
    }
  }

  /// ∫_{−∞}^{∞} f (QAGI).
  public func integrateOverReals(
    _ f: @escaping (Double) throws -> Double, context: String = "qagi"
  ) throws -> IntegrationResult {
    try run(f, context: context) { fn, result, error in
      gsl_integration_qagi(fn, absoluteTolerance, relativeTolerance, limit, workspace, result, error)
    }
  }

  /// ∫_a^∞ f (QAGIU).
  public func integrate(
    _ f: @escaping (Double) throws -> Double, fromLower a: Double, context: String = "qagiu"
  ) throws -> IntegrationResult {
    try run(f, context: context) { fn, result, error in
      gsl_integration_qagiu(fn, a, absoluteTolerance, relativeTolerance, limit, workspace, result, error)
    }
  }

  /// ∫_{−∞}^b f (QAGIL).
  public func integrate(
    _ f: @escaping (Double) throws -> Double, toUpper b: Double, context: String = "qagil"
  ) throws -> IntegrationResult {
    try run(f, context: context) { fn, result, error in
      gsl_integration_qagil(fn, b, absoluteTolerance, relativeTolerance, limit, workspace, result, error)
    }
  }

  private func run(
    _ f: @escaping (Double) throws -> Double, context: String,
    _ call: (UnsafeMutablePointer<gsl_function>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Int32
  ) throws -> IntegrationResult {
    let box = FunctionBox(f)
    var value = 0.0
    var error = 0.0
    let status = box.withGSLFunction { fn in call(fn, &value, &error) }
    try box.rethrowIfNeeded()
    if !(acceptsRoundoff && status == Int32(GSL_EROUND)) { try check(status, context) }
    return IntegrationResult(value: value, errorBound: error, evaluations: box.evaluations)
  }
}
