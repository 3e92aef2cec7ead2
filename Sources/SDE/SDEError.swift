/// Errors from the SDE layer. Each message names the offending quantity and
/// what to change, so the CLI can print it as is.
public enum SDEError: Error, CustomStringConvertible, Sendable, Equatable {
  /// A parameter is out of range (dimension, step, time span, sizes …).
  case invalidArgument(String)
  /// A density or operator could not be built (not normalisable, no domain).
  case notNormalisable(String)
  /// A linear solve or quadrature failed underneath.
  case numerical(String)
  /// Trajectories of an ensemble left the finite numbers: the earliest
  /// (lowest step, then lowest index) and how many of all.
  case diverged(trajectory: Int, step: Int, failed: Int, of: Int)

  public var description: String {
    switch self {
    case .invalidArgument(let m): return "invalid argument: \(m)"
    case .notNormalisable(let m): return "density not normalisable: \(m)"
    case .numerical(let m): return "numerical failure: \(m)"
    case .diverged(let j, let step, let failed, let m):
      return "the ensemble diverged: \(failed) of \(m) trajectories became non-finite, the first (trajectory \(j)) at step \(step)"
    }
  }
}
