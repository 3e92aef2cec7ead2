import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import CTRNN

/// The closure stage reorders its work — each σ's spectral radius and Stein
/// residual on a second thread while the next σ iterates, products without
/// zero-filling, norms fused into updates — but must give the bits the plain
/// order gives. Every comparison here is of bit patterns.
final class ClosureOverlapTests: XCTestCase {
  /// A random network of n units with two readouts, W ~ N(0, 0.8²/n) (the
  /// stage benchmark's, relu unless asked), with either noise placement.
  static func randomNetwork(_ n: Int, noise: NoisePlacement, seed: UInt, activation: Activation = .relu) throws -> Network {
    let rng = try GSLRandom(seed: seed)
    let w = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in 0.8 * rng.gaussian() / Double(n).squareRoot() })
    let input = Matrix(rows: n, columns: 1, elements: (0..<n).map { _ in rng.gaussian() })
    let bias = (0..<n).map { _ in 0.1 + 0.1 * rng.gaussian() }
    let out = Matrix(rows: 2, columns: n, elements: (0..<(2 * n)).map { _ in rng.gaussian() / Double(n).squareRoot() })
    let k = try Checkpoint(
      activation: activation, noise: noise, sigmaTrain: 0.1, dt: 0.1, tau: 1, recurrent: w, inputWeights: input, bias: bias,
      readoutWeights: out, readoutBias: [0, 0], task: "function")
    return try Network(checkpoint: k, input: [0.5])
  }

  static func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }

  /// Same outcome, to the bit: every field of a converged closure, the
  /// reason of a failed one.
  static func assertSame(_ a: ClosureOutcome, _ b: ClosureOutcome, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
    switch (a.closure, b.closure) {
    case (let x?, let y?):
      XCTAssertEqual(x.sigma.bitPattern, y.sigma.bitPattern, label, file: file, line: line)
      XCTAssertEqual(bits(x.mean), bits(y.mean), "mean, " + label, file: file, line: line)
      XCTAssertEqual(bits(x.covariance.elements), bits(y.covariance.elements), "covariance, " + label, file: file, line: line)
      XCTAssertEqual(bits(x.readoutMean), bits(y.readoutMean), "readout mean, " + label, file: file, line: line)
      XCTAssertEqual(bits(x.readoutVariance), bits(y.readoutVariance), "readout variance, " + label, file: file, line: line)
      XCTAssertEqual(x.spectralRadius.bitPattern, y.spectralRadius.bitPattern, "spectral radius, " + label, file: file, line: line)
      XCTAssertEqual(x.iterations, y.iterations, "iterations, " + label, file: file, line: line)
      XCTAssertEqual(x.change.bitPattern, y.change.bitPattern, "change, " + label, file: file, line: line)
      XCTAssertEqual(x.steinResidual.bitPattern, y.steinResidual.bitPattern, "Stein residual, " + label, file: file, line: line)
    case (nil, nil):
      XCTAssertEqual(a.failure, b.failure, label, file: file, line: line)
    default:
      XCTFail("one converged, the other did not (\(a.failure ?? "") / \(b.failure ?? "")), " + label, file: file, line: line)
    }
  }

  /// `closures(levels:)` (diagnostics overlapped with the next σ) against
  /// `closure(sigma:start:previous:)` called σ by σ on one thread, for
  /// noise in and out, N = 64 (one dgemm block) and 200 (eight symmetric
  /// blocks). The σ list has a level that fails (σ < 0 is refused) and one
  /// below its predecessor: both make the next σ start cold, which the
  /// overlapped order must reproduce.
  func testOverlappedClosuresAreTheSequentialOnes() throws {
    for (n, noise) in [(64, NoisePlacement.inside), (200, .outside)] {
      let net = try Self.randomNetwork(n, noise: noise, seed: 11)
      let start = net.settle(from: [Double](repeating: 0, count: n))
      let sigmas = [0, 0.1, 0.2, -1, 0.3, 0.5, 0.4, 0.7]
      var sequential: [ClosureOutcome] = []
      for sigma in sigmas { sequential.append(net.closure(sigma: sigma, start: start, previous: sequential.last?.closure)) }
      XCTAssertEqual(sequential.filter { $0.closure == nil }.count, 1, "only σ = -1 fails")
      for threads in [1, 2] {
        let overlapped = net.closures(levels: sigmas.map { (sigma: $0, start: start) }, threads: threads)
        XCTAssertEqual(overlapped.count, sigmas.count)
        for (k, (a, b)) in zip(sequential, overlapped).enumerated() {
          Self.assertSame(a, b, "N = \(n) \(noise) σ = \(sigmas[k]) threads \(threads)")
        }
      }
    }
  }

  /// When a σ's spectral radius fails (dgeev not converging; here made to
  /// fail), that σ has no closure, and the next σ — already iterated from
  /// its covariance by then — is iterated again from a cold start, as the
  /// sequential order would: it must equal `closure(sigma:previous: nil)`.
  func testAFailedRadiusLeavesTheNextSigmaCold() throws {
    let net = try Self.randomNetwork(64, noise: .inside, seed: 17)
    let start = net.settle(from: [Double](repeating: 0, count: 64))
    let sigmas = [0.1, 0.2, 0.3, 0.4]
    struct Refused: Error {}
    let outcomes = net.closures(levels: sigmas.map { (sigma: $0, start: start) }, threads: 2) { iterate in
      if iterate.sigma == 0.2 { throw Refused() }
      return try iterate.spectralRadius()
    }
    XCTAssertNil(outcomes[1].closure)
    Self.assertSame(outcomes[0], net.closure(sigma: 0.1, start: start), "σ = 0.1")
    let cold = net.closure(sigma: 0.3, start: start)
    Self.assertSame(outcomes[2], cold, "σ = 0.3 starts cold")
    Self.assertSame(outcomes[3], net.closure(sigma: 0.4, start: start, previous: cold.closure), "σ = 0.4")
    // Warm-started from σ = 0.2 instead, σ = 0.3 takes other iterations: the check above can tell.
    let warm = net.closure(sigma: 0.3, start: start, previous: net.closure(sigma: 0.2, start: start, previous: outcomes[0].closure).closure)
    XCTAssertNotEqual(Self.bits(warm.closure!.covariance.elements), Self.bits(cold.closure!.covariance.elements))
  }

  /// The mean-field branch on two threads (radii by a second thread while
  /// the continuation goes on, the rest shared at the end) against one
  /// thread (each radius as its point is reached), at N = 100; and each
  /// radius against its map's eigenvalues computed afresh (for noise out
  /// every point's map is the same and its radius is reused).
  func testBranchRadiiOverlappedWithTheContinuationAreTheSerialOnes() throws {
    for noise in [NoisePlacement.inside, .outside] {
      let net = try Self.randomNetwork(100, noise: noise, seed: 13)
      let fixedPoint = try net.fixedPoint(net.settle(from: [Double](repeating: 0, count: 100)))
      let sigmas = stride(from: 0.0, through: 1.0, by: 0.1).map { ($0 * 10).rounded() / 10 }
      let serial = try net.averagedBranch(from: fixedPoint, sigmas: sigmas, threads: 1)
      XCTAssertEqual(serial.points.count, sigmas.count)
      let evaluator = try MomentEvaluator()
      for p in serial.points {
        let s = [Double](repeating: noise == .inside ? p.sigma : 0, count: 100)
        let slopes = try net.neuronMoments(net.preactivation(p.h), preactivationSD: s, evaluator: evaluator, .meanSlope).meanSlope
        let fresh = try NonsymmetricEigen.eigenvalues(net.linearisedMap(slopes: slopes)).first!.magnitude
        XCTAssertEqual(p.spectralRadius.bitPattern, fresh.bitPattern, "\(noise) σ = \(p.sigma)")
      }
      for threads in [2, 3] {
        let overlapped = try net.averagedBranch(from: fixedPoint, sigmas: sigmas, threads: threads)
        XCTAssertEqual(overlapped.outcome, serial.outcome)
        XCTAssertEqual(overlapped.points.map(\.sigma), serial.points.map(\.sigma))
        for (p, q) in zip(overlapped.points, serial.points) {
          XCTAssertEqual(Self.bits(p.h), Self.bits(q.h), "σ = \(p.sigma)")
          XCTAssertEqual(p.spectralRadius.bitPattern, q.spectralRadius.bitPattern, "\(noise) σ = \(p.sigma) threads \(threads)")
        }
      }
    }
  }

  /// The Stein solve against its plain form (every product into a zeroed
  /// buffer, the symmetric one through a scratch block, each norm its own
  /// pass), for N below and above the 256 rows where products split into
  /// four blocks, on one and two threads.
  func testSteinSolveKeepsThePlainSolvesBits() throws {
    for n in [64, 300] {
      let rng = try GSLRandom(seed: UInt(n))
      let a = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in 0.9 * rng.gaussian() / Double(n).squareRoot() })
      var q = Matrix(rows: n, columns: n)
      for i in 0..<n { q[i, i] = 0.01 + rng.uniform() }
      let reference = try Self.plainSteinSolve(a: a, q: q)
      for threads in [1, 2] {
        let c = try SteinEquation.solve(a: a, q: q, threads: threads)
        XCTAssertEqual(Self.bits(c.elements), Self.bits(reference.elements), "N = \(n) threads \(threads)")
        XCTAssertEqual(
          SteinEquation.residual(c: c, a: a, q: q, threads: threads).bitPattern, SteinEquation.residual(c: c, a: a, q: q).bitPattern)
      }
    }
  }

  /// The element loops rewritten on pointers against their subscript forms.
  func testPointerLoopsKeepTheSubscriptLoopsBits() throws {
    let n = 40
    let net = try Self.randomNetwork(n, noise: .inside, seed: 3)
    let rng = try GSLRandom(seed: 5)
    let slopes = (0..<n).map { _ in rng.uniform() }
    var map = Matrix(rows: n, columns: n)
    for i in 0..<n {
      for j in 0..<n { map[i, j] = net.gamma * slopes[i] * net.recurrent[i, j] }
      map[i, i] += 1 - net.gamma
    }
    XCTAssertEqual(Self.bits(net.linearisedMap(slopes: slopes).elements), Self.bits(map.elements))
    let m = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in rng.gaussian() })
    let variance = (0..<net.outputs).map { o in
      var s = 0.0
      for i in 0..<n { for j in 0..<n { s += net.readoutWeights[o, i] * m[i, j] * net.readoutWeights[o, j] } }
      return s
    }
    XCTAssertEqual(Self.bits(net.readoutVariance(m)), Self.bits(variance))
    var symmetric = m
    for i in 0..<n { for j in 0..<i { (symmetric[i, j], symmetric[j, i]) = (0.5 * (m[i, j] + m[j, i]), 0.5 * (m[i, j] + m[j, i])) } }
    XCTAssertEqual(Self.bits(SteinEquation.symmetrised(m).elements), Self.bits(symmetric.elements))
    let other = m.elements.map { $0 + 1e-3 * rng.gaussian() }
    let (change, magnitude) = Network.changeAndMagnitude(m.elements, other)
    XCTAssertEqual(change.bitPattern, zip(m.elements, other).map { abs($0 - $1) }.max()!.bitPattern)
    XCTAssertEqual(magnitude.bitPattern, m.elements.map(abs).max()!.bitPattern)
  }

  /// Smith doubling as it read before the products stopped zero-filling and
  /// the norms were fused (one thread).
  static func plainSteinSolve(a: Matrix, q: Matrix) throws -> Matrix {
    func frobenius(_ m: Matrix) -> Double { m.elements.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    func product(_ x: Matrix, _ y: Matrix, transposeB: Bool) -> Matrix {
      let m = x.rows, k = x.columns, n = transposeB ? y.rows : y.columns
      var c = Matrix(rows: m, columns: n)
      x.elements.withUnsafeBufferPointer { xp in
        y.elements.withUnsafeBufferPointer { yp in
          c.elements.withUnsafeMutableBufferPointer { cp in
            for r in SteinEquation.rowBlocks(m) {
              BLAS.gemm(
                xp.baseAddress! + r.lowerBound * k, transposeA: false, yp.baseAddress!, transposeB: transposeB,
                into: cp.baseAddress! + r.lowerBound * n, m: r.count, n: n, k: k)
            }
          }
        }
      }
      return c
    }
    func symmetricProduct(_ x: Matrix, _ b: Matrix) -> Matrix {
      let n = x.rows, k = x.columns, per = max(32, (n + 7) / 8)
      var c = Matrix(rows: n, columns: n)
      for r in stride(from: 0, to: n, by: per).map({ $0..<min(n, $0 + per) }) {
        let columns = n - r.lowerBound
        var block = [Double](repeating: 0, count: r.count * columns)
        x.elements.withUnsafeBufferPointer { xp in
          b.elements.withUnsafeBufferPointer { bp in
            block.withUnsafeMutableBufferPointer { out in
              BLAS.gemm(
                xp.baseAddress! + r.lowerBound * k, transposeA: false, bp.baseAddress! + r.lowerBound * k, transposeB: true,
                into: out.baseAddress!, m: r.count, n: columns, k: k)
            }
          }
        }
        for (i, row) in r.enumerated() { for j in 0..<columns { c[row, r.lowerBound + j] = block[i * columns + j] } }
      }
      for i in 0..<n { for j in 0..<i { c[i, j] = c[j, i] } }
      return c
    }
    func symmetrised(_ m: Matrix) -> Matrix {
      var s = m
      for i in 0..<m.rows { for j in 0..<i { (s[i, j], s[j, i]) = (0.5 * (m[i, j] + m[j, i]), 0.5 * (m[i, j] + m[j, i])) } }
      return s
    }
    var c = q, ak = a
    for _ in 0..<64 {
      let norm = frobenius(ak)
      if norm * norm <= 1e-17 { return symmetrised(c) }
      let update = symmetricProduct(product(ak, c, transposeB: false), ak)
      for i in c.elements.indices { c.elements[i] += update.elements[i] }
      if norm * norm * norm * norm * (1 + 1e-6) <= 1e-17 {
        guard frobenius(c).isFinite else { break }
        return symmetrised(c)
      }
      ak = product(ak, ak, transposeB: false)
      if !frobenius(ak).isFinite || !frobenius(c).isFinite { break }
    }
    throw NetworkError.notContracting("the plain solve did not converge")
  }
}
