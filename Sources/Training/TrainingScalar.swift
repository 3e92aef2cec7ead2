import CKernels
import Foundation
import GSL

/// The scalar a BPTT pass runs in: Double (the reference) or Float.
protocol TrainingScalar: BinaryFloatingPoint {
  static func gemm(
    _ a: UnsafePointer<Self>, transposeA: Bool, _ b: UnsafePointer<Self>, transposeB: Bool,
    into c: UnsafeMutablePointer<Self>, m: Int, n: Int, k: Int, beta: Self)
  static func tanh(_ x: Self) -> Self
  init(_ value: Double)
  var doubleValue: Double { get }
  /// `values` in this type (the array itself for Double).
  static func array(_ values: [Double]) -> [Self]
  /// `values` in float64 (the array itself for Double).
  static func doubles(_ values: [Self]) -> [Double]

  // BPTT's elementwise loops in C (bpttkernels.h: the same operations in
  // the same order as the Swift loops, vectorised).
  /// The forward step after the gemm; false (nothing done) for an
  /// activation code other than FP_BPTT_RELU / FP_BPTT_TANH.
  static func bpttForward(
    _ activation: Int32, inside: Bool, rows: Int, n: Int, h: UnsafePointer<Self>, x: UnsafeMutablePointer<Self>,
    next: UnsafeMutablePointer<Self>, bias: UnsafePointer<Self>, xi: UnsafePointer<Self>?, keep: Self, g: Self, sigma: Self
  ) -> Bool
  /// gh += dz_r w_out (when dz), dx = γ gh ⊙ [x ≥ 0].
  static func bpttReluBack(
    rows: Int, n: Int, gh: UnsafeMutablePointer<Self>, dz: UnsafePointer<Self>?, wOut: UnsafePointer<Self>,
    x: UnsafePointer<Self>, dx: UnsafeMutablePointer<Self>, g: Self)
  /// gh ← keep gh + previous.
  static func bpttLeak(count: Int, gh: UnsafeMutablePointer<Self>, previous: UnsafePointer<Self>, keep: Self)
  /// out[j] += Σ_r a[r n + j], rows in order.
  static func columnSums(rows: Int, n: Int, _ a: UnsafePointer<Self>, into out: UnsafeMutablePointer<Self>)
}

extension TrainingScalar {
  @inline(__always)
  static func gemm(
    _ a: UnsafePointer<Self>, transposeA: Bool, _ b: UnsafePointer<Self>, transposeB: Bool,
    into c: UnsafeMutablePointer<Self>, m: Int, n: Int, k: Int
  ) {
    gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: c, m: m, n: n, k: k, beta: 0)
  }
}

extension Double: TrainingScalar {
  @inline(__always)
  static func gemm(
    _ a: UnsafePointer<Double>, transposeA: Bool, _ b: UnsafePointer<Double>, transposeB: Bool,
    into c: UnsafeMutablePointer<Double>, m: Int, n: Int, k: Int, beta: Double
  ) {
    BLAS.gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: c, m: m, n: n, k: k, beta: beta)
  }
  @inline(__always) static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
  var doubleValue: Double { self }
  static func array(_ values: [Double]) -> [Double] { values }
  static func doubles(_ values: [Double]) -> [Double] { values }
  @inline(__always)
  static func bpttForward(
    _ activation: Int32, inside: Bool, rows: Int, n: Int, h: UnsafePointer<Double>, x: UnsafeMutablePointer<Double>,
    next: UnsafeMutablePointer<Double>, bias: UnsafePointer<Double>, xi: UnsafePointer<Double>?, keep: Double, g: Double, sigma: Double
  ) -> Bool {
    fp_bptt_forward_f64(activation, inside ? 1 : 0, rows, n, h, x, next, bias, xi, keep, g, sigma) != 0
  }
  @inline(__always)
  static func bpttReluBack(
    rows: Int, n: Int, gh: UnsafeMutablePointer<Double>, dz: UnsafePointer<Double>?, wOut: UnsafePointer<Double>,
    x: UnsafePointer<Double>, dx: UnsafeMutablePointer<Double>, g: Double
  ) {
    fp_bptt_relu_back_f64(rows, n, gh, dz, wOut, x, dx, g)
  }
  @inline(__always)
  static func bpttLeak(count: Int, gh: UnsafeMutablePointer<Double>, previous: UnsafePointer<Double>, keep: Double) {
    fp_bptt_leak_f64(count, gh, previous, keep)
  }
  @inline(__always)
  static func columnSums(rows: Int, n: Int, _ a: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
    fp_bptt_column_sums_f64(rows, n, a, out)
  }
}

extension Float: TrainingScalar {
  @inline(__always)
  static func gemm(
    _ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
    into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, beta: Float
  ) {
    BLAS.gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: c, m: m, n: n, k: k, beta: beta)
  }
  @inline(__always) static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
  var doubleValue: Double { Double(self) }
  static func array(_ values: [Double]) -> [Float] { values.map { Float($0) } }
  static func doubles(_ values: [Float]) -> [Double] { values.map { Double($0) } }
  @inline(__always)
  static func bpttForward(
    _ activation: Int32, inside: Bool, rows: Int, n: Int, h: UnsafePointer<Float>, x: UnsafeMutablePointer<Float>,
    next: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, xi: UnsafePointer<Float>?, keep: Float, g: Float, sigma: Float
  ) -> Bool {
    fp_bptt_forward_f32(activation, inside ? 1 : 0, rows, n, h, x, next, bias, xi, keep, g, sigma) != 0
  }
  @inline(__always)
  static func bpttReluBack(
    rows: Int, n: Int, gh: UnsafeMutablePointer<Float>, dz: UnsafePointer<Float>?, wOut: UnsafePointer<Float>,
    x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, g: Float
  ) {
    fp_bptt_relu_back_f32(rows, n, gh, dz, wOut, x, dx, g)
  }
  @inline(__always)
  static func bpttLeak(count: Int, gh: UnsafeMutablePointer<Float>, previous: UnsafePointer<Float>, keep: Float) {
    fp_bptt_leak_f32(count, gh, previous, keep)
  }
  @inline(__always)
  static func columnSums(rows: Int, n: Int, _ a: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    fp_bptt_column_sums_f32(rows, n, a, out)
  }
}

/// The five parameter arrays in the pass's scalar type.
struct Weights<T: TrainingScalar> {
  var recurrent: [T], input: [T], bias: [T], readout: [T], readoutBias: [T]

  init(_ p: Parameters) {
    recurrent = T.array(p.recurrent)
    input = T.array(p.input)
    bias = T.array(p.bias)
    readout = T.array(p.readout)
    readoutBias = T.array(p.readoutBias)
  }

  /// All zeros (a gradient accumulator).
  init(hidden n: Int, inputs i: Int, outputs o: Int) {
    recurrent = [T](repeating: 0, count: n * n)
    input = [T](repeating: 0, count: n * i)
    bias = [T](repeating: 0, count: n)
    readout = [T](repeating: 0, count: o * n)
    readoutBias = [T](repeating: 0, count: o)
  }

  /// These values as float64 `Parameters` of p's shape.
  func parameters(like p: Parameters) -> Parameters {
    var g = Parameters(hidden: p.hidden, inputs: p.inputs, outputs: p.outputs)
    g.recurrent = T.doubles(recurrent)
    g.input = T.doubles(input)
    g.bias = T.doubles(bias)
    g.readout = T.doubles(readout)
    g.readoutBias = T.doubles(readoutBias)
    return g
  }
}
