import CKernels

/// The vectorised kernels of the chains (C, `CKernels`): the fused
/// elementwise steps after the gemm, and the tanh they use.
public enum VectorKernels {
  /// The activations with a vectorised float kernel; others step in Swift.
  public enum Activation: Int32, Sendable {
    case linear = 0, relu = 1, tanh = 2, sigmoid = 3, hardtanh = 4
  }

  /// One step of a leaky noisy chain on a rows×n batch, in place on `next`,
  /// which holds W x on entry (c is the per-unit drive):
  ///   inside : next = keep·x + γ f(next + c + σξ)
  ///   outside: next = keep·x + γ (f(next + c) + σξ)
  @inline(__always)
  public static func chainStep(
    _ activation: Activation, inside: Bool, rows: Int, n: Int, states x: UnsafePointer<Float>,
    next: UnsafeMutablePointer<Float>, drive c: UnsafePointer<Float>, normals xi: UnsafePointer<Float>,
    keep: Float, gamma: Float, sigma: Float
  ) {
    _ = fp_chain_step_f32(activation.rawValue, inside ? 1 : 0, rows, n, x, next, c, xi, keep, gamma, sigma)
  }

  /// The float64 step of `chainStep` for linear, relu and hardtanh: the
  /// doubles of the plain Swift loop (Swift's min/max, the same
  /// association, no fused products), vectorised. False, with `next`
  /// untouched, for any other activation.
  @inline(__always)
  public static func chainStep(
    _ activation: Activation, inside: Bool, rows: Int, n: Int, states x: UnsafePointer<Double>,
    next: UnsafeMutablePointer<Double>, drive c: UnsafePointer<Double>, normals xi: UnsafePointer<Double>,
    keep: Double, gamma: Double, sigma: Double
  ) -> Bool {
    fp_chain_step_f64(activation.rawValue, inside ? 1 : 0, rows, n, x, next, c, xi, keep, gamma, sigma) != 0
  }

  /// tanh elementwise in float32: ≤ 3 ulp from the correctly rounded value
  /// (expm1 series near 0, exp with a Cody–Waite reduction elsewhere; see
  /// kernels.c), NaN propagated, ±1 from |x| ≥ 9.
  public static func tanh(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
    precondition(y.count >= x.count, "output shorter than input")
    guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
    fp_tanh_f32(xp, yp, x.count)
  }

  /// tanh elementwise in float64, vectorised: ≤ 4 ulp from glibc's (not the
  /// same bytes; the float64 network chains keep glibc's tanh).
  public static func tanh(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
    precondition(y.count >= x.count, "output shorter than input")
    guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
    fp_tanh_f64(xp, yp, x.count)
  }

  /// next = keep·x + γ tanh(next + c + σξ) in float64 on a rows×n batch, in
  /// place on `next` (which holds W x), with the vectorised tanh.
  @inline(__always)
  public static func tanhInsideStep(
    rows: Int, n: Int, states x: UnsafePointer<Double>, next: UnsafeMutablePointer<Double>, drive c: UnsafePointer<Double>,
    normals xi: UnsafePointer<Double>, keep: Double, gamma: Double, sigma: Double
  ) {
    fp_tanh_inside_step_f64(rows, n, x, next, c, xi, keep, gamma, sigma)
  }
}
