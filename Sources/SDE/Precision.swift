import CKernels

/// The floating-point type an ensemble's states and noise are held in.
/// Statistics, paths and final states are always accumulated and returned
/// in float64, whatever the precision of the steps.
public enum Precision: String, Sendable, CaseIterable, Codable {
  /// float32 states, float32 normals (23-bit ziggurat on 32-bit Philox
  /// outputs), sgemm and the vectorised float kernels.
  case f32
  /// float64 throughout: the default, and the reference.
  case f64
}

/// A scalar an ensemble can step in: Double (the reference) or Float.
protocol EnsembleScalar: BinaryFloatingPoint {
  /// n standard normals from the stream, in order (the type's own ziggurat).
  static func fillGaussian(_ stream: UnsafeMutablePointer<fp_philox_stream>, _ out: UnsafeMutablePointer<Self>, count n: Int)
  init(_ value: Double)
  var doubleValue: Double { get }
  /// Whether any of the n values is NaN or ±∞ (vectorised, C).
  static func anyNonFinite(_ x: UnsafePointer<Self>, count n: Int) -> Bool
}

extension Double: EnsembleScalar {
  static func fillGaussian(_ stream: UnsafeMutablePointer<fp_philox_stream>, _ out: UnsafeMutablePointer<Double>, count n: Int) {
    fp_fill_gaussian_f64(stream, Ziggurat.shared.c, out, n)
  }
  var doubleValue: Double { self }
  static func anyNonFinite(_ x: UnsafePointer<Double>, count n: Int) -> Bool { fp_any_nonfinite_f64(x, n) != 0 }
}

extension Float: EnsembleScalar {
  static func fillGaussian(_ stream: UnsafeMutablePointer<fp_philox_stream>, _ out: UnsafeMutablePointer<Float>, count n: Int) {
    fp_fill_gaussian_f32(stream, Ziggurat.shared.c, out, n)
  }
  var doubleValue: Double { Double(self) }
  static func anyNonFinite(_ x: UnsafePointer<Float>, count n: Int) -> Bool { fp_any_nonfinite_f32(x, n) != 0 }
}
