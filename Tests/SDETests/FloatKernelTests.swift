import GSL
import XCTest

@testable import SDE

/// The C kernels: the float64 ziggurat must reproduce the Swift stream bit
/// for bit; the float normals must be standard normal; the float tanh must
/// be within its stated ulp bound; float ensembles must be thread-count
/// independent and agree with float64 within Monte-Carlo error.
final class FloatKernelTests: XCTestCase {
  /// 200 000 values per stream cover the wedge and tail paths (~1 % and
  /// 0.03 % of draws), so every branch of the C ziggurat is compared.
  func testCFloat64NormalsEqualSwiftStream() {
    for (seed, stream) in [(UInt64(1), UInt64(0)), (7, 3), (0xDEAD_BEEF_1234, 99), (3, UInt64.max)] {
      let n = 200_000
      var swift = GaussianStream(seed: seed, stream: stream)
      var a = [Double](repeating: 0, count: n), b = [Double](repeating: 0, count: n)
      a.withUnsafeMutableBufferPointer { swift.fillGaussian($0) }
      b.withUnsafeMutableBufferPointer { GaussianStream.fill(seed: seed, stream: stream, $0) }
      XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "seed \(seed) stream \(stream)")
    }
  }

  /// Moments of 2·10⁶ float normals within 4.5 standard errors (SE as in
  /// RandomStreamTests), and the tail frequency beyond r against 2Q(r).
  func testFloatNormalMomentsAndTail() {
    let n = 2_000_000
    var x = [Float](repeating: 0, count: n)
    x.withUnsafeMutableBufferPointer { GaussianStream.fill(seed: 2024, stream: 5, $0) }
    var m1 = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0, tail = 0
    for v in x {
      let d = Double(v)
      m1 += d
      m2 += d * d
      m3 += d * d * d
      m4 += d * d * d * d
      if abs(d) > Ziggurat.r { tail += 1 }
    }
    let c = Double(n)
    XCTAssertEqual(m1 / c, 0, accuracy: 4.5 / c.squareRoot())
    XCTAssertEqual(m2 / c, 1, accuracy: 4.5 * (2 / c).squareRoot())
    XCTAssertEqual(m3 / c, 0, accuracy: 4.5 * (15 / c).squareRoot())
    XCTAssertEqual(m4 / c, 3, accuracy: 4.5 * (96 / c).squareRoot())
    let p = 2 * Normal.tail(Ziggurat.r)
    XCTAssertEqual(Double(tail), c * p, accuracy: 4.5 * (c * p * (1 - p)).squareRoot())
  }

  /// Kolmogorov–Smirnov of 200 000 float normals against Φ (1 % critical value 1.628).
  func testFloatNormalKolmogorovSmirnov() {
    let n = 200_000
    var x = [Float](repeating: 0, count: n)
    x.withUnsafeMutableBufferPointer { GaussianStream.fill(seed: 99, stream: 1, $0) }
    let sorted = x.map(Double.init).sorted()
    var d = 0.0
    for (i, v) in sorted.enumerated() {
      let f = Normal.cdf(v)
      d = max(d, abs(f - Double(i) / Double(n)), abs(Double(i + 1) / Double(n) - f))
    }
    XCTAssertLessThan(d * Double(n).squareRoot(), 1.628)
  }

  /// Two-sample Kolmogorov–Smirnov of 200 000 float normals against GSL's
  /// MT19937 + ziggurat, the reference generator (1 % critical value 1.628).
  func testFloatNormalsAgainstGSL() throws {
    let n = 200_000
    var x = [Float](repeating: 0, count: n)
    x.withUnsafeMutableBufferPointer { GaussianStream.fill(seed: 11, stream: 0, $0) }
    let gsl = try GSLRandom(seed: 11)
    let a = x.map(Double.init).sorted(), b = (0..<n).map { _ in gsl.gaussian() }.sorted()
    var i = 0, j = 0, d = 0.0
    while i < n && j < n {
      if a[i] <= b[j] { i += 1 } else { j += 1 }
      d = max(d, abs(Double(i) - Double(j)) / Double(n))
    }
    XCTAssertLessThan(d * (Double(n) / 2).squareRoot(), 1.628)
  }

  /// The float tanh against tanh in double rounded to float: ≤ 3 ulp of the
  /// result on a dense grid over [−12, 12] and at tiny arguments; NaN and ±∞.
  func testFloatTanhWithinThreeUlp() {
    var x = (0...400_000).map { Float(-12 + 24 * Double($0) / 400_000) }
    x += [1e-30, -1e-20, 1e-7, -3e-4, 0.3124, 0.3126, 8.99, 9.01, 0, -0.0]
    var y = [Float](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { VectorKernels.tanh(xp, into: $0) } }
    var worst = 0.0
    for (a, b) in zip(x, y) {
      let exact = Foundation.tanh(Double(a))
      let ulp = Double(Float(exact).ulp)
      worst = max(worst, abs(Double(b) - exact) / ulp)
    }
    XCTAssertLessThanOrEqual(worst, 3)
    let special: [Float] = [.nan, .infinity, -.infinity]
    var out = [Float](repeating: 0, count: 3)
    special.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { VectorKernels.tanh(xp, into: $0) } }
    XCTAssertTrue(out[0].isNaN)
    XCTAssertEqual(out[1], 1)
    XCTAssertEqual(out[2], -1)
  }

  /// The vectorised double tanh (the fixture's fused step) within 4 ulp of
  /// glibc's tanh over [−25, 25], tiny arguments and the branch edge; NaN kept.
  func testDoubleTanhWithinFourUlp() {
    var x = (0...400_000).map { -25 + 50 * Double($0) / 400_000 }
    x += [1e-300, -1e-10, 0.35, 0.350_000_1, -0.349_999_9, 19.99, 20.01, 0, -0.0]
    var y = [Double](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { VectorKernels.tanh(xp, into: $0) } }
    var worst = 0.0
    for (a, b) in zip(x, y) {
      let exact = Foundation.tanh(a)
      worst = max(worst, abs(b - exact) / exact.ulp)
    }
    XCTAssertLessThanOrEqual(worst, 4)
    var out = [0.0]
    [Double.nan].withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { VectorKernels.tanh(xp, into: $0) } }
    XCTAssertTrue(out[0].isNaN)
  }

  /// An AR(1) chain x' = a x + σ ξ with a float map: same bytes on 1 and 3
  /// threads; its stationary mean and variance (0 and σ²/(1 − a²)) within
  /// 4.5 standard errors, as for float64.
  func testFloatChainThreadIndependenceAndStationaryMoments() throws {
    let a = 0.9, sigma = 0.5
    var chain = try MarkovChainProblem.scalar(initialState: 0, steps: 4000) { x, xi in a * x + sigma * xi }
    chain.floatMap = { x, xi, next in
      for i in x.indices { next[i] = Float(a) * x[i] + Float(sigma) * xi[i] }
    }
    var options = EnsembleOptions(trajectories: 64, seed: 4, threads: 1, chunkSize: 8, stationary: StationaryOptions(burnIn: 200))
    options.precision = .f32
    let one = try Ensemble.solve(chain, options: options)
    options.threads = 3
    let three = try Ensemble.solve(chain, options: options)
    XCTAssertEqual(one.finalStates.map(\.bitPattern), three.finalStates.map(\.bitPattern))
    XCTAssertEqual(one.statistics!.mean.map(\.bitPattern), three.statistics!.mean.map(\.bitPattern))
    let st = one.statistics!
    XCTAssertEqual(st.mean[0], 0, accuracy: 4.5 * st.meanStandardError[0])
    let v = sigma * sigma / (1 - a * a)
    // 64 × 3800 samples with integrated autocorrelation time ≈ (1 + a²)/(1 − a²) ≈ 9.5
    // for x²: SE of the variance ≈ √(2 · 9.5 / 243 200) ≈ 0.9 %, so 5 % is > 5 SE.
    XCTAssertEqual(st.variance[0], v, accuracy: 0.05 * v)
  }

  func testFloatPrecisionNeedsAFloatMap() throws {
    let chain = try MarkovChainProblem.scalar(initialState: 0, steps: 10) { x, xi in x + xi }
    var options = EnsembleOptions(trajectories: 2, seed: 1)
    options.precision = .f32
    XCTAssertThrowsError(try Ensemble.solve(chain, options: options))
  }
}
