import RealModule

/// Shared helpers for the test bundles.
public enum TestSupport {
  /// Relative error |a − b| / |b|, or |a − b| when b = 0.
  public static func relativeError(_ a: Double, _ b: Double) -> Double {
    b == 0 ? abs(a - b) : abs(a - b) / abs(b)
  }

  /// `isApproximatelyEqual` from swift-numerics, re-exported for test bundles
  /// that do not import RealModule themselves.
  public static func close(_ a: Double, _ b: Double, relative: Double, absolute: Double = 0) -> Bool {
    a.isApproximatelyEqual(to: b, absoluteTolerance: absolute, relativeTolerance: relative)
      || abs(a - b) <= absolute
  }
}
