import CKernels
import Foundation

/// Tables of the 256-layer ziggurat for the standard normal (Marsaglia & Tsang,
/// "The ziggurat method for generating random variables", J. Stat. Softw. 5,
/// 2000), in the 52-bit form NumPy's `standard_normal` uses: one 64-bit word
/// gives the layer (8 bits), the sign (1 bit) and a 52-bit abscissa, and
/// 99.3 % of draws return after one multiply and one compare.
///
/// r = 3.6541528853610088 is the right edge of the base strip and
/// v = 4.92867323399e-3 the common area of the 256 layers (Marsaglia & Tsang's
/// constants for n = 256). The tables are computed once, here, by their
/// recursion x_{i−1} = √(−2 log(v/x_i + f(x_i))), rather than pasted in.
///
/// Immutable after `init`, so sharing it across threads is safe.
final class Ziggurat: @unchecked Sendable {
  static let shared = Ziggurat()

  static let layers = 256
  static let r = 3.654_152_885_361_008_8
  static let inverseR = 1 / r
  static let v = 4.928_673_233_99e-3

  /// Accept |x| outright when the 52-bit abscissa is below k[i].
  let k: UnsafeMutablePointer<UInt64>
  /// Abscissa scale: x = abscissa · w[i].
  let w: UnsafeMutablePointer<Double>
  /// Density at the layer edges, f[i] = exp(−x_i²/2).
  let f: UnsafeMutablePointer<Double>
  /// The same layers for a 23-bit abscissa (the float ensembles' normals):
  /// accept when the abscissa is below k32[i]; x = abscissa · w32[i].
  let k32: UnsafeMutablePointer<UInt32>
  let w32: UnsafeMutablePointer<Double>
  /// w32 rounded to float (the vectorised first try works in float).
  let w32f: UnsafeMutablePointer<Float>
  /// All five tables for the C kernels (`fp_fill_gaussian_f64/_f32`).
  let c: UnsafeMutablePointer<fp_ziggurat>

  /// The three tables as plain pointers (no reference counting).
  struct Tables: @unchecked Sendable {
    let k: UnsafeMutablePointer<UInt64>
    let w: UnsafeMutablePointer<Double>
    let f: UnsafeMutablePointer<Double>
  }
  var tables: Tables { Tables(k: k, w: w, f: f) }

  private init() {
    let n = Self.layers
    k = .allocate(capacity: n)
    w = .allocate(capacity: n)
    f = .allocate(capacity: n)
    k32 = .allocate(capacity: n)
    w32 = .allocate(capacity: n)
    w32f = .allocate(capacity: n)
    let m = 4_503_599_627_370_496.0  // 2^52
    let m32 = 8_388_608.0  // 2^23
    var dn = Self.r, tn = Self.r
    let q = Self.v / exp(-0.5 * dn * dn)
    k[0] = UInt64((dn / q) * m)
    k[1] = 0
    w[0] = q / m
    w[n - 1] = dn / m
    k32[0] = UInt32((dn / q) * m32)
    k32[1] = 0
    w32[0] = q / m32
    w32[n - 1] = dn / m32
    f[0] = 1
    f[n - 1] = exp(-0.5 * dn * dn)
    for i in stride(from: n - 2, through: 1, by: -1) {
      dn = (-2 * log(Self.v / dn + exp(-0.5 * dn * dn))).squareRoot()
      k[i + 1] = UInt64((dn / tn) * m)
      k32[i + 1] = UInt32((dn / tn) * m32)
      tn = dn
      f[i] = exp(-0.5 * dn * dn)
      w[i] = dn / m
      w32[i] = dn / m32
    }
    for i in 0..<n { w32f[i] = Float(w32[i]) }
    c = .allocate(capacity: 1)
    c.initialize(to: fp_ziggurat(
      k: UnsafePointer(k), w: UnsafePointer(w), f: UnsafePointer(f), k32: UnsafePointer(k32), w32: UnsafePointer(w32),
      w32f: UnsafePointer(w32f)))
  }
  // The tables live as long as the process (a global singleton): no deinit.
}
