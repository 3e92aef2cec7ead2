import CKernels

extension GaussianStream {
  /// The first `buffer.count` normals of stream (seed, stream) — exactly
  /// what `GaussianStream(seed:stream:).fillGaussian(buffer)` gives, drawn by
  /// the C kernel (16 Philox blocks per refill, in SIMD lanes).
  public static func fill(seed: UInt64, stream: UInt64, _ buffer: UnsafeMutableBufferPointer<Double>) {
    guard let base = buffer.baseAddress else { return }
    var s = fp_philox_stream()
    fp_stream_init(&s, seed, stream)
    fp_fill_gaussian_f64(&s, Ziggurat.shared.c, base, buffer.count)
  }

  /// The first `buffer.count` float normals of stream (seed, stream): the
  /// 23-bit ziggurat on the stream's 32-bit outputs, as the float
  /// ensembles draw them (a different sample from the float64 normals).
  public static func fill(seed: UInt64, stream: UInt64, _ buffer: UnsafeMutableBufferPointer<Float>) {
    guard let base = buffer.baseAddress else { return }
    var s = fp_philox_stream()
    fp_stream_init(&s, seed, stream)
    fp_fill_gaussian_f32(&s, Ziggurat.shared.c, base, buffer.count)
  }
}
