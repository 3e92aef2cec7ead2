import CGSL

/// A GSL routine returned a status other than `Int32(GSL_SUCCESS)`.
///
/// Carries GSL's own status code and `gsl_strerror` text, plus what we were
/// doing, so a user reads e.g. "qagiu of E f(X): the integral is divergent,
/// or slowly convergent (GSL status 22)" instead of a process abort.
public struct GSLError: Error, CustomStringConvertible, Sendable {
  public let status: Int32
  public let reason: String
  public let context: String

  public init(status: Int32, context: String) {
    self.status = status
    self.reason = String(cString: gsl_strerror(status))
    self.context = context
  }

  /// An error raised on the Swift side (e.g. bad arguments) in GSL's terms.
  public init(status: Int32, reason: String, context: String) {
    self.status = status
    self.reason = reason
    self.context = context
  }

  public var description: String { "\(context): \(reason) (GSL status \(status))" }
}

/// GSL's default error handler aborts the process. It is switched off once,
/// lazily, the first time any wrapper runs (Swift's global `let` initialisers
/// are thread-safe and run exactly once); from then on every routine returns
/// its status and the wrappers throw.
enum GSLRuntime {
  static let errorHandlerOff: Void = {
    _ = gsl_set_error_handler_off()
  }()

  @inline(__always) static func ensureInitialised() { _ = errorHandlerOff }
}

/// Throws a `GSLError` unless `status` is `Int32(GSL_SUCCESS)`.
@inline(__always)
func check(_ status: Int32, _ context: @autoclosure () -> String) throws(GSLError) {
  if status != Int32(GSL_SUCCESS) { throw GSLError(status: status, context: context()) }
}
