import CGSL

/// Carries a Swift closure through GSL's `void *params`, so any closure (with
/// captures, and able to throw) works as a `gsl_function` without global state.
///
/// C cannot unwind a Swift error, so a throw inside the closure is stored here,
/// the callback returns NaN (which stops GSL's iteration with an error status),
/// and the wrapper rethrows the stored error after GSL returns.
final class FunctionBox {
  let body: (Double) throws -> Double
  var thrown: (any Error)?
  var evaluations = 0

  init(_ body: @escaping (Double) throws -> Double) { self.body = body }

  func call(_ x: Double) -> Double {
    if thrown != nil { return .nan }
    evaluations += 1
    do { return try body(x) } catch {
      thrown = error
      return .nan
    }
  }

  /// Runs `work` with a `gsl_function` whose params point at this box. The
  /// box is kept alive for the duration of the call.
  func withGSLFunction<R>(_ work: (UnsafeMutablePointer<gsl_function>) throws -> R) rethrows -> R {
    try withExtendedLifetime(self) {
      var function = gsl_function(
        function: { x, params in
          Unmanaged<FunctionBox>.fromOpaque(params!).takeUnretainedValue().call(x)
        },
        params: Unmanaged.passUnretained(self).toOpaque())
      return try work(&function)
    }
  }

  /// Rethrows an error raised by the closure, if any; it takes precedence over
  /// the GSL status it provoked.
  func rethrowIfNeeded() throws {
    if let thrown { throw thrown }
  }
}
