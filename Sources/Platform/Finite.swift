/// Checks that a computed quantity is finite, so a NaN or an infinity stops
/// the run with a message naming where it appeared instead of being printed
/// with a success status.
public enum Finite {
  /// `x`, or `PlatformError.nonFinite` naming `stage` and `quantity`.
  @discardableResult
  public static func check(_ x: Double, _ quantity: String, in stage: String) throws -> Double {
    guard x.isFinite else { throw PlatformError.nonFinite(stage: stage, quantity: quantity, value: x, index: nil) }
    return x
  }

  /// `values`, or an error naming the first non-finite entry's index.
  @discardableResult
  public static func check<C: Collection>(_ values: C, _ quantity: String, in stage: String) throws -> C
  where C.Element == Double {
    for (i, x) in values.enumerated() where !x.isFinite {
      throw PlatformError.nonFinite(stage: stage, quantity: quantity, value: x, index: i)
    }
    return values
  }
}
