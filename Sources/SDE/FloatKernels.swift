import CKernels

/// The vectorised float32 kernels of the float chains (C, `CKernels`): the
/// fused elementwise step after the sgemm, and the float tanh it uses.
public enum FloatKernels {
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

  /// tanh elementwise in float32: ≤ 3 ulp from the correctly rounded value
  /// (expm1 series near 0, exp with a Cody–Waite reduction elsewhere; see
  /// kernels.c), NaN propagated, ±1 from |x| ≥ 9.
  public static func tanh(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
    precondition(y.count >= x.count, "output shorter than input")
    guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
    fp_tanh_f32(xp, yp, x.count)
  }
}
