/// How to advance an `SDEProblem` by one step (SciML's *algorithm*). A new
/// scheme is one new type conforming to this protocol.
public protocol SDEScheme: Sendable {
  /// Short name for reports ("euler-maruyama", "milstein").
  var name: String { get }
  /// Theoretical strong order (E|X_T − X_T^h| = O(h^p)) for diagonal noise.
  var strongOrder: Double { get }
  /// Theoretical weak order (|E φ(X_T) − E φ(X_T^h)| = O(h^q)).
  var weakOrder: Double { get }

  /// Advances the M×n batch `states` in place from time `time` by `step`,
  /// given the Brownian increments ΔW (M×n, each N(0, step)).
  func advance(
    _ states: UnsafeMutableBufferPointer<Double>, time: Double, step: Double,
    increments: UnsafeBufferPointer<Double>, problem: SDEProblem, workspace: SDEWorkspace)
}
