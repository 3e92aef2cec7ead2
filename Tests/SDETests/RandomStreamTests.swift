import GSL
import XCTest

@testable import SDE

/// The counter-based generator against published answers and against GSL's
/// MT19937 + ziggurat, the project's reference generator.
final class RandomStreamTests: XCTestCase {
  /// Random123's known-answer vectors (kat_vectors) for Philox4x32-10.
  func testPhiloxKnownAnswers() {
    let cases: [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), (UInt32, UInt32, UInt32, UInt32))] = [
      ((0, 0, 0, 0), (0, 0), (0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
      (
        (0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff), (0xffff_ffff, 0xffff_ffff),
        (0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)
      ),
      (
        (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0),
        (0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)
      ),
    ]
    for (counter, key, expected) in cases {
      let out = Philox4x32.block(counter, key: key)
      XCTAssertEqual([out.0, out.1, out.2, out.3], [expected.0, expected.1, expected.2, expected.3])
    }
  }

  func testStreamsAreReproducibleAndDistinct() {
    var a = GaussianStream(seed: 7, stream: 3), b = GaussianStream(seed: 7, stream: 3)
    var c = GaussianStream(seed: 7, stream: 4), d = GaussianStream(seed: 8, stream: 3)
    let xa = (0..<100).map { _ in a.gaussian() }
    XCTAssertEqual(xa, (0..<100).map { _ in b.gaussian() })
    XCTAssertNotEqual(xa, (0..<100).map { _ in c.gaussian() })
    XCTAssertNotEqual(xa, (0..<100).map { _ in d.gaussian() })
  }

  /// Moments of 10⁶ normals. Each tolerance is 4.5 standard errors of the
  /// sample moment under N(0,1): SE(mean) = 1/√N, SE(E x²) = √(2/N),
  /// SE(E x³) = √(15/N), SE(E x⁴) = √(96/N) (Var x⁴ = 105 − 9).
  func testGaussianMoments() {
    let n = 1_000_000
    var s = GaussianStream(seed: 2024, stream: 0)
    var m1 = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0
    for _ in 0..<n {
      let x = s.gaussian()
      m1 += x
      m2 += x * x
      m3 += x * x * x
      m4 += x * x * x * x
    }
    let c = Double(n)
    XCTAssertEqual(m1 / c, 0, accuracy: 4.5 / c.squareRoot())
    XCTAssertEqual(m2 / c, 1, accuracy: 4.5 * (2 / c).squareRoot())
    XCTAssertEqual(m3 / c, 0, accuracy: 4.5 * (15 / c).squareRoot())
    XCTAssertEqual(m4 / c, 3, accuracy: 4.5 * (96 / c).squareRoot())
  }

  /// One-sample Kolmogorov–Smirnov against Φ (GSL's tail-accurate cdf).
  /// √N·D_N < 1.628 is the asymptotic 1 % critical value of Kolmogorov's law.
  func testGaussianKolmogorovSmirnovAgainstNormalCDF() {
    let n = 200_000
    var s = GaussianStream(seed: 99, stream: 5)
    let x = (0..<n).map { _ in s.gaussian() }.sorted()
    var d = 0.0
    for (i, v) in x.enumerated() {
      let f = Normal.cdf(v)
      d = max(d, abs(f - Double(i) / Double(n)), abs(Double(i + 1) / Double(n) - f))
    }
    XCTAssertLessThan(d * Double(n).squareRoot(), 1.628)
  }

  /// Two-sample Kolmogorov–Smirnov against GSL's MT19937 + ziggurat sampler:
  /// √(nm/(n+m))·D < 1.628, the 1 % critical value.
  func testGaussianTwoSampleKolmogorovSmirnovAgainstGSL() throws {
    let n = 200_000
    var s = GaussianStream(seed: 11, stream: 0)
    let gsl = try GSLRandom(seed: 11)
    let a = (0..<n).map { _ in s.gaussian() }.sorted()
    let b = (0..<n).map { _ in gsl.gaussian() }.sorted()
    var i = 0, j = 0, d = 0.0
    while i < n && j < n {
      if a[i] <= b[j] { i += 1 } else { j += 1 }
      d = max(d, abs(Double(i) - Double(j)) / Double(n))
    }
    XCTAssertLessThan(d * (Double(n) / 2).squareRoot(), 1.628)
  }

  /// The ziggurat's tail sampler (beyond r = 3.654) is a separate code path:
  /// its frequency must be 2Q(r) ≈ 2.58e-4. Binomial z-score < 4.5.
  func testZigguratTailFrequency() {
    let n = 4_000_000
    var s = GaussianStream(seed: 5, stream: 1)
    var tail = 0, far = 0
    for _ in 0..<n {
      let x = abs(s.gaussian())
      if x > Ziggurat.r { tail += 1 }
      if x > 4.5 { far += 1 }
    }
    for (count, edge) in [(tail, Ziggurat.r), (far, 4.5)] {
      let p = 2 * Normal.tail(edge)
      let z = (Double(count) - Double(n) * p) / (Double(n) * p * (1 - p)).squareRoot()
      XCTAssertLessThan(abs(z), 4.5, "tail beyond \(edge)")
    }
  }

  /// Uniforms: KS against U(0,1), same 1 % critical value; and samples of two
  /// streams are uncorrelated (|r| < 4.5/√N).
  func testUniformAndStreamIndependence() {
    let n = 200_000
    var s = GaussianStream(seed: 3, stream: 0), t = GaussianStream(seed: 3, stream: 1)
    let u = (0..<n).map { _ in s.uniform() }
    XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
    let sorted = u.sorted()
    var d = 0.0
    for (i, v) in sorted.enumerated() { d = max(d, abs(v - Double(i) / Double(n)), abs(Double(i + 1) / Double(n) - v)) }
    XCTAssertLessThan(d * Double(n).squareRoot(), 1.628)
    var s2 = GaussianStream(seed: 3, stream: 0)
    var r = 0.0
    for _ in 0..<n { r += s2.gaussian() * t.gaussian() }
    XCTAssertLessThan(abs(r / Double(n)), 4.5 / Double(n).squareRoot())
  }
}

extension RandomStreamTests {
  /// The stream's words are the Philox blocks in counter order: block k of
  /// stream s under seed gives x0 | x1<<32, x2 | x3<<32 (checked against the
  /// scalar block function, which the known answers pin down).
  func testStreamWordsAreScalarBlocksInOrder() {
    let seed: UInt64 = 0x1234_5678_9abc_def0, streamIndex: UInt64 = 0xdead_beef_0000_0007
    var s = GaussianStream(seed: seed, stream: streamIndex)
    for k in UInt64(0)..<10 {
      let b = Philox4x32.block(
        (UInt32(truncatingIfNeeded: k), UInt32(truncatingIfNeeded: k >> 32),
         UInt32(truncatingIfNeeded: streamIndex), UInt32(truncatingIfNeeded: streamIndex >> 32)),
        key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
      XCTAssertEqual(s.next(), UInt64(b.0) | UInt64(b.1) << 32)
      XCTAssertEqual(s.next(), UInt64(b.2) | UInt64(b.3) << 32)
    }
  }
}
