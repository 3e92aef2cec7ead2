import Foundation
import GSL
import XCTest

final class GSLRandomTests: XCTestCase {
  func testSameSeedSameSequence() throws {
    for kind in [GSLRandom.Kind.mt19937, .ranlxd2] {
      let a = try GSLRandom(seed: 12345, kind: kind), b = try GSLRandom(seed: 12345, kind: kind)
      let xa = (0..<100).map { _ in a.uniform() }, xb = (0..<100).map { _ in b.uniform() }
      XCTAssertEqual(xa, xb)
      XCTAssertEqual((0..<100).map { _ in a.gaussian() }, (0..<100).map { _ in b.gaussian() })
      XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
      XCTAssertEqual(a.seed, 12345)
    }
  }

  func testDifferentSeedsDiffer() throws {
    let a = try GSLRandom(seed: 1), b = try GSLRandom(seed: 2)
    let xa = (0..<100).map { _ in a.uniform() }, xb = (0..<100).map { _ in b.uniform() }
    XCTAssertNotEqual(xa, xb)
    // Not merely shifted: no common value among 100 draws (probability of a
    // coincidence among 32-bit outputs ~ 100²/2³² ≈ 2e-6).
    XCTAssert(Set(xa).isDisjoint(with: xb))
  }

  func testMT19937KnownAnswer() throws {
    // GSL's mt19937 uses Matsumoto–Nishimura's 2002 seeding, so seed 5489
    // reproduces their reference output mt19937ar.out: 3499211612, 581869302
    // (also checked against libgsl directly). next() puts the first in the high word.
    let r = try GSLRandom(seed: 5489)
    XCTAssertEqual(r.next(), UInt64(3_499_211_612) << 32 | 581_869_302)
  }

  func testUniformRange() throws {
    let r = try GSLRandom(seed: 99)
    var minimum = 1.0, maximum = 0.0
    for _ in 0..<100_000 {
      let u = r.uniform()
      XCTAssert(u >= 0 && u < 1, "uniform() = \(u)")
      minimum = min(minimum, u)
      maximum = max(maximum, u)
      let p = r.uniformPositive()
      XCTAssert(p > 0 && p < 1, "uniformPositive() = \(p)")
    }
    // 1e5 draws: the extremes are within ~1e-5 of the ends with probability
    // 1 − 2e^{−(1e5)(1e-4)} ≈ 1 − 9e-5 using 1e-4 margins.
    XCTAssertLessThan(minimum, 1e-4)
    XCTAssertGreaterThan(maximum, 1 - 1e-4)
  }

  func testGaussianMeanAndVariance() throws {
    let r = try GSLRandom(seed: 2024)
    let n = 100_000
    var buffer = [Double](repeating: .nan, count: n)
    buffer.withUnsafeMutableBufferPointer { r.fillGaussian($0) }
    XCTAssert(buffer.allSatisfy(\.isFinite))
    let mean = buffer.reduce(0, +) / Double(n)
    let variance = buffer.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
    // Standard errors for N(0,1) samples: SE(mean) = 1/√n = 3.16e-3;
    // SE(sample variance) = √(2/(n−1)) ≈ 4.47e-3 (fourth moment 3).
    // Four standard errors: a false alarm has probability ~6e-5 per quantity
    // (and the seed is fixed, so this either always passes or always fails).
    let seMean = 1 / sqrt(Double(n))
    let seVariance = sqrt(2 / Double(n - 1))
    XCTAssertLessThan(abs(mean), 4 * seMean, "mean \(mean)")
    XCTAssertLessThan(abs(variance - 1), 4 * seVariance, "variance \(variance)")

    // gaussian() draws from the same sampler as fillGaussian.
    let a = try GSLRandom(seed: 3), b = try GSLRandom(seed: 3)
    var four = [Double](repeating: 0, count: 4)
    four.withUnsafeMutableBufferPointer { a.fillGaussian($0) }
    XCTAssertEqual(four, (0..<4).map { _ in b.gaussian() })
  }

  func testUsableAsSwiftRandomNumberGenerator() throws {
    var r = try GSLRandom(seed: 5)
    let draws = (0..<1000).map { _ in Int.random(in: 0..<10, using: &r) }
    XCTAssertEqual(Set(draws), Set(0..<10))
  }
}
