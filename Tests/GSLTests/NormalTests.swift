import Foundation
import GSL
import XCTest
import _TestSupport

/// Reference values computed with mpmath 1.3.0 at 40 significant digits, e.g.
///   python3 -c "import mpmath as m; m.mp.dps=40; print(m.erfc(37/m.sqrt(2))/2)"
/// (Φ = m.ncdf, φ = m.npdf, Q(x) = erfc(x/√2)/2, Φ⁻¹(p) = √2·erfinv(2p−1)),
/// rounded to 20 digits here.
///
/// Tolerances: GSL's erfc/erf_Q/log_erfc/hazard are accurate to a few ulps
/// across their range (Chebyshev fits with a stated error of ~1e-15 relative),
/// so 1e-14 relative leaves headroom of ~50 ulps without hiding a wrong branch
/// (a cancellation `1 − Φ` in the tail would lose all digits, not two).
final class NormalTests: XCTestCase {
  func assertRelative(
    _ actual: Double, _ expected: Double, _ tolerance: Double, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let e = TestSupport.relativeError(actual, expected)
    XCTAssert(e <= tolerance, "\(what): got \(actual), expected \(expected), relative error \(e) > \(tolerance)", file: file, line: line)
  }

  func testPDF() {
    // mpmath npdf. The pdf is one exp: a couple of ulps.
    let cases: [(Double, Double)] = [
      (0, 0.39894228040143267794), (1, 0.2419707245191433498),
      (-1.5, 0.12951759566589172761), (2.5, 0.017528300493568537362),
    ]
    for (x, v) in cases { assertRelative(Normal.pdf(x), v, 1e-15, "pdf(\(x))") }
    XCTAssertEqual(Normal.pdf(40), 0, accuracy: 1e-300)  // exp(−800) underflows to 0 cleanly, no NaN
  }

  func testCDFAndTailInTheBulk() {
    // mpmath ncdf.
    let cdf: [(Double, Double)] = [
      (0, 0.5), (0.5, 0.69146246127401310364), (-1, 0.15865525393145705141),
      (-3, 0.0013498980316300945267), (3, 0.99865010196836990547),
    ]
    for (x, v) in cdf {
      assertRelative(Normal.cdf(x), v, 1e-14, "cdf(\(x))")
      // Symmetry: Q(−x) = Φ(x).
      assertRelative(Normal.tail(-x), v, 1e-14, "tail(\(-x))")
    }
    assertRelative(Normal.tail(-2), 0.9772498680518207928, 1e-14, "tail(-2)")
    assertRelative(Normal.tail(10), 7.619853024160526066e-24, 1e-14, "tail(10)")
  }

  func testFarTails() {
    // Q(37) = Φ(−37) = 5.7255712225245768227e-300 (mpmath). A `1 − Φ(37)`
    // would return 0. Tolerance 2e-13, not 1e-13: gsl_sf_erf_Q's error grows
    // like x²·ε in its asymptotic branch (GSL's own gsl_sf_erf_Q_e estimate
    // is 1.53e-13 relative at x = 37; the actual error is 1.13e-13), and
    // glibc's erfc(37/√2)/2 is no better (rounding 37/√2 alone costs x²·ε).
    let q37 = 5.7255712225245768227e-300
    assertRelative(Normal.tail(37), q37, 2e-13, "Q(37)")
    assertRelative(Normal.cdf(-37), q37, 2e-13, "cdf(-37)")
    XCTAssertGreaterThan(Normal.tail(37), 0)
    XCTAssertEqual(Normal.cdf(37), 1)
    XCTAssertEqual(Normal.tail(-37), 1)
  }

  func testLogCDF() {
    // mpmath log(ncdf(x)).
    let cases: [(Double, Double)] = [
      (-10, -53.231285150512470578), (0, -0.69314718055994530942), (3, -0.0013508099647481937988),
    ]
    // 1e-13: log_erfc plus one subtraction of ln 2; near x = 3 the value is
    // small but computed from log(erfc) directly, so relative accuracy holds.
    for (x, v) in cases { assertRelative(Normal.logCDF(x), v, 1e-13, "logCDF(\(x))") }
  }

  func testLogCDFFarLeftTail() {
    // Φ(−1000) = e^{−500000}·… underflows any Double, but its log is finite.
    let x = -1000.0
    let value = Normal.logCDF(x)
    XCTAssert(value.isFinite, "logCDF(-1000) = \(value)")
    // mpmath: log Φ(−1000) = −500007.82669481218431.
    assertRelative(value, -500007.82669481218431, 1e-12, "logCDF(-1000) vs mpmath")
    // Mills asymptotics: log Φ(x) = −x²/2 − log|x| − ½log 2π + log(1 − 1/x² + 3/x⁴ − …).
    // The leading three terms alone differ from the truth by 1/x² = 1e-6, i.e.
    // 2e-12 relative, so the correction −1/x² + 5/(2x⁴) is included; then the
    // remainder is O(x⁻⁶) and 1e-12 relative tests the ~1e-16 rounding level
    // with room to spare.
    let asymptotic = -0.5 * x * x - log(-x) - 0.5 * log(2 * Double.pi) - 1 / (x * x) + 2.5 / (x * x * x * x)
    assertRelative(value, asymptotic, 1e-12, "logCDF(-1000) vs asymptotic series")
  }

  func testHazard() {
    // mpmath npdf(x)/Q(x). hazard(30) ≈ x + 1/x is where a naive φ/Q ratio of
    // two tiny numbers would still work but φ/(1−Φ) would divide by zero.
    let cases: [(Double, Double)] = [
      (0, 0.79788456080286535588), (2, 2.3732155328228408673),
      (30, 30.033259667433677037), (-3, 0.0044378390421256637933),
    ]
    for (x, v) in cases { assertRelative(Normal.hazard(x), v, 1e-13, "hazard(\(x))") }
    XCTAssert(Normal.hazard(1e3).isFinite)
  }

  func testQuantile() {
    // mpmath √2·erfinv(2p−1) evaluated at the *double* nearest p
    // (m.mpf(0.999999), not m.mpf('0.999999')): near p = 1 the quantile
    // amplifies the representation error of p by 1/φ(x) ≈ 2e5, which alone is
    // 1.2e-12 relative at 0.999999. GSL's Pinv is Wichura's AS241
    // (~1e-16 relative); 1e-13 relative is headroom, not slack.
    let cases: [(Double, Double)] = [
      (0.975, 1.9599639845400538556), (1e-10, -6.3613409024040561991), (0.999999, 4.7534243088170877657),
    ]
    for (p, v) in cases { assertRelative(Normal.quantile(p), v, 1e-13, "quantile(\(p))") }
    XCTAssertEqual(Normal.quantile(0.5), 0, accuracy: 1e-15)
    // Round trip in the lower tail, where cdf keeps relative precision.
    for p in [1e-300, 1e-100, 1e-20, 0.01] {
      assertRelative(Normal.cdf(Normal.quantile(p)), p, 1e-12, "cdf(quantile(\(p)))")
    }
  }

  func testProbabilityOfIntervals() {
    // mpmath Q(a) − Q(b) / Φ(b) − Φ(a).
    assertRelative(Normal.probability(from: -1, to: 2), 0.81859461412036374138, 1e-14, "P(-1,2)")
    // Far tails: a naive Φ(b) − Φ(a) returns 0 (or garbage) for these. The
    // difference of two tails close in magnitude loses nothing here because
    // Q(31)/Q(30) ≈ e^{−30.5} — no cancellation; 2e-13 as for Q(37) (GSL's
    // erf_Q error estimate at 30 is 1.0e-13, actual 1.1e-13).
    assertRelative(Normal.probability(from: 30, to: 31), 4.9067139271479175345e-198, 2e-13, "P(30,31)")
    assertRelative(Normal.probability(from: -31, to: -30), 4.9067139271479175345e-198, 2e-13, "P(-31,-30)")
    assertRelative(Normal.probability(from: -40, to: -37), 5.7255712225245768227e-300, 2e-13, "P(-40,-37)")
    // Q(8) − Q(8.5) = 6.1e-16: as 1 − … it would be below one ulp of 1.
    assertRelative(Normal.probability(from: 8, to: 8.5), 6.12616522604975094e-16, 1e-13, "P(8,8.5)")
    XCTAssertEqual(Normal.probability(from: 1, to: 1), 0)
    XCTAssertEqual(Normal.probability(from: 2, to: 1), 0)
    XCTAssertEqual(Normal.probability(from: -50, to: 50), 1)
    // Infinite endpoints are not tested: gsl_sf_erf_Q(±∞) is NaN, so
    // cdf(−∞), tail(+∞) and probability(from: −∞, …) are NaN (reported).
  }

  func testErrorFunctions() {
    // erf(1) = 0.84270079294971486934, erfc(5) = 1.5374597944280348502e-12 (mpmath).
    assertRelative(ErrorFunction.erf(1), 0.84270079294971486934, 1e-14, "erf(1)")
    assertRelative(ErrorFunction.erfc(5), 1.5374597944280348502e-12, 1e-14, "erfc(5)")
    assertRelative(ErrorFunction.logErfc(5), log(1.5374597944280348502e-12), 1e-14, "logErfc(5)")
  }
}
