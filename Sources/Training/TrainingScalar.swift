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
