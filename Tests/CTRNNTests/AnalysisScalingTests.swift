import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import CTRNN

/// The shortcuts that make `analyze` scale with N: each must give what the
/// plain computation gives — to the bit where the work is only reordered
/// across threads, within the solver's tolerance where a step is skipped.
final class AnalysisScalingTests: XCTestCase {
  /// A random noise-in network of n units, W ~ N(0, g²/n) (as the stage
  /// benchmark's, here with any activation and gain).
  static func randomNetwork(_ n: Int, _ f: Activation, gain: Double, seed: UInt) throws -> Network {
    let rng = try GSLRandom(seed: seed)
    let w = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in gain * rng.gaussian() / Double(n).squareRoot() })
    let input = Matrix(rows: n, columns: 1, elements: (0..<n).map { _ in rng.gaussian() })
    let bias = (0..<n).map { _ in 0.1 + 0.1 * rng.gaussian() }
    let out = Matrix(rows: 1, columns: n, elements: (0..<n).map { _ in rng.gaussian() / Double(n).squareRoot() })
    let k = try Checkpoint(
      activation: f, noise: .inside, sigmaTrain: 0.1, dt: 0.1, tau: 1, recurrent: w, inputWeights: input, bias: bias,
      readoutWeights: out, readoutBias: [0], task: "function")
    return try Network(checkpoint: k, input: [0.5])
  }

  /// The closure stops once the observed contraction puts C within the
  /// tolerance of its fixed point. Against the same closure iterated to a
  /// 1000 times tighter tolerance, C and the mean must agree to the
  /// tolerance asked for (1e-12 of max|C|; the mean moves with C through
  /// sᵢ², a correction of relative size γ), at several σ and warm-started
  /// the way the analysis does.
  func testEarlyStopIsWithinTheTolerance() throws {
    for (f, gain) in [(Activation.relu, 0.8), (.tanh, 1.2)] {
      let net = try Self.randomNetwork(48, f, gain: gain, seed: 7)
      let h0 = net.settle(from: [Double](repeating: 0, count: net.size))
      var previous: GaussianClosure?
      for sigma in [0.1, 0.2, 0.5, 1.0] {
        let warm = previous.map { p in
          Matrix(rows: net.size, columns: net.size, elements: p.covariance.elements.map { $0 * (sigma / p.sigma) * (sigma / p.sigma) })
        }
        let loose = try net.gaussianClosure(sigma: sigma, start: h0, initialCovariance: warm, tolerance: 1e-12)
        let tight = try net.gaussianClosure(sigma: sigma, start: h0, initialCovariance: warm, tolerance: 1e-15)
        let scale = tight.covariance.elements.map(abs).max()!
        let dc = zip(loose.covariance.elements, tight.covariance.elements).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(dc, 1e-12 * scale, "\(f) σ = \(sigma)")
        for (a, b) in zip(loose.mean, tight.mean) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertLessThanOrEqual(loose.iterations, tight.iterations)
        previous = loose
      }
    }
  }

  /// Branch continuation on two threads (radii computed after the
  /// continuation, on every thread) gives the one-thread branch to the bit,
  /// including where a branch ends at a change of stability or a fold:
  /// the bistable tanh neuron of `testBranchesFromEveryFixedPointAndAFoldEndsOne`,
  /// one branch at a time and all together.
  func testBranchesAreTheSameOnAnyNumberOfThreads() throws {
    let k = try Checkpoint(
      activation: .tanh, noise: .inside, sigmaTrain: 0, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 1, columns: 1, elements: [2]), inputWeights: Matrix(rows: 1, columns: 1, elements: [0]),
      bias: [0.05], readoutWeights: Matrix(rows: 1, columns: 1, elements: [1]), readoutBias: [0])
    let net = try Network(checkpoint: k, input: [0])
    var options = NetworkSimulationOptions()
    options.trajectories = 8
    options.steps = 400
    options.burnIn = 100
    let census = try net.findFixedPoints(largestSigma: 1.5, simulation: options, search: .init(), slowPointSpeed: nil)
    XCTAssertEqual(census.fixedPoints.count, 3)
    let sigmas = stride(from: 0.0, through: 1.5, by: 0.1).map { ($0 * 10).rounded() / 10 }
    func same(_ a: AveragedBranch, _ b: AveragedBranch) {
      XCTAssertEqual(a.outcome, b.outcome)
      XCTAssertEqual(a.points.count, b.points.count)
      for (p, q) in zip(a.points, b.points) {
        XCTAssertEqual(p.sigma, q.sigma)
        XCTAssertEqual(p.h.map(\.bitPattern), q.h.map(\.bitPattern))
        XCTAssertEqual(p.spectralRadius.bitPattern, q.spectralRadius.bitPattern)
      }
    }
    var ended = 0
    for point in census.fixedPoints {
      let one = try net.averagedBranch(from: point, sigmas: sigmas, threads: 1)
      same(one, try net.averagedBranch(from: point, sigmas: sigmas, threads: 2))
      if one.outcome != .reachedEnd { ended += 1 }
    }
    XCTAssertGreaterThan(ended, 0, "some branch must end early for the test to cover that path")
    let one = try net.continueBranches(from: census, sigmas: sigmas, threads: 1)
    let two = try net.continueBranches(from: census, sigmas: sigmas, threads: 2)
    for (a, b) in zip(one.all, two.all) { same(a, b) }
    same(one.reference, two.reference)
  }

  /// The search's lane-parallel W h + c (W column by column, 32 rows at a
  /// time) adds the same terms in the same order as the row-major loop: the
  /// same bits, for sizes below, at and between multiples of 32.
  func testLaneParallelPreactivationIsBitIdentical() throws {
    for n in [5, 32, 45, 100] {
      let net = try Self.randomNetwork(n, .relu, gain: 1, seed: UInt(n))
      let rng = try GSLRandom(seed: 9)
      let h = (0..<n).map { _ in rng.gaussian() }
      let rowMajor = Network.preactivation(h, weights: net.recurrent.elements, drive: net.drive)
      let lanes = Network.preactivation(h, columnMajorWeights: Network.columnMajor(net.recurrent), drive: net.drive)
      XCTAssertEqual(lanes.map(\.bitPattern), rowMajor.map(\.bitPattern), "n = \(n)")
    }
  }

  /// Fixed-point records computed on several threads are those computed on one.
  func testFixedPointRecordsAreTheSameOnAnyNumberOfThreads() throws {
    let net = try Self.randomNetwork(24, .tanh, gain: 2.0, seed: 3)
    let states = (0..<5).map { k in net.settle(from: (0..<net.size).map { sin(Double($0 * (k + 1))) }) }
    let one = try net.fixedPoints(states, threads: 1), three = try net.fixedPoints(states, threads: 3)
    for (a, b) in zip(one, three) {
      XCTAssertEqual(a.h, b.h)
      XCTAssertEqual(a.eigenvalues, b.eigenvalues)
      XCTAssertEqual(a.slowestMode?.vector, b.slowestMode?.vector)
    }
  }

  /// The analysis's small-noise expansions (one Stein solve at σ = 1, C
  /// scaled by σ²) against a Stein solve at each σ with Q = γ²σ² D²: the
  /// pre-activation sd the expansion uses are the same to rounding (C = σ² C₁
  /// exactly in exact arithmetic; the two solves differ by ~10 roundings of
  /// O(1) sums, 1e-14 relative is ~50 ulps of room).
  func testSmallNoiseExpansionsReuseOneSteinSolve() throws {
    let k = try TaskAnalysisTests.eightUnits(.tanh, .inside)
    var options = NetworkAnalysis.Options()
    options.sigmas = [0, 0.05, 0.2, 0.4]
    options.simulation.trajectories = 8
    options.simulation.steps = 200
    options.simulation.burnIn = 50
    let a = try NetworkAnalysis(checkpoint: k, input: [0.3], options: options)
    let net = a.network, n = net.size, g = net.gamma
    let slopes = net.preactivation(a.reference.h).map(net.activation.derivative)
    let reused = a.smallNoiseExpansions()
    XCTAssertEqual(reused.count, 4)
    for (level, e) in zip(a.levels, reused) {
      let sigma = level.sigma
      var q = Matrix(rows: n, columns: n)
      for i in 0..<n { q[i, i] = g * g * sigma * sigma * slopes[i] * slopes[i] }
      let c = sigma == 0 ? q : try SteinEquation.solve(a: net.linearisedMap(slopes: slopes), q: q)
      let sd = net.pathVariances(c).map { (sigma * sigma + $0).squareRoot() }
      let mine = try XCTUnwrap(e)
      XCTAssertEqual(mine.sigma, sigma)
      for (x, y) in zip(mine.preactivationSD, sd) { XCTAssertEqual(x, y, accuracy: 1e-14 * max(y, 1e-300)) }
    }
  }
}

/// Several σ of one network in lockstep (one product per step over all
/// their trajectories) against one σ at a time: the same bits.
final class ChainLockstepTests: XCTestCase {
  func testLockstepEstimatesEqualOneSigmaAtATime() throws {
    let net = try AnalysisScalingTests.randomNetwork(256, .relu, gain: 0.8, seed: 3)
    var options = NetworkSimulationOptions()
    options.trajectories = 64
    options.steps = 80
    options.burnIn = 20
    options.thin = 2
    let h0 = net.settle(from: [Double](repeating: 0, count: net.size))
    let sigmas = [0.2, 0.5, 1.0]
    let together = net.chainStationaryEstimates(sigmas.map { (sigma: $0, start: h0) }, options: options)
    for (sigma, result) in zip(sigmas, together) {
      let a = try result.get()
      let b = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: h0, options: options, table: nil)
      XCTAssertEqual(a.mean.map(\.bitPattern), b.mean.map(\.bitPattern), "σ = \(sigma)")
      XCTAssertEqual(try XCTUnwrap(a.covariance).elements.map(\.bitPattern), try XCTUnwrap(b.covariance).elements.map(\.bitPattern), "σ = \(sigma)")
      XCTAssertEqual(a.readoutStandardError.map(\.bitPattern), b.readoutStandardError.map(\.bitPattern), "σ = \(sigma)")
    }
  }

  /// `stacksExactly`, which decides lockstep, must answer what a direct
  /// comparison on other states answers: the kernels' rounding paths depend
  /// on the shapes, not on the values. At n = 300 (not a multiple of
  /// OpenBLAS's register block) either answer is possible; the agreement is
  /// what is tested.
  func testStacksExactlyAgreesWithADirectComparison() throws {
    let net = try AnalysisScalingTests.randomNetwork(300, .relu, gain: 0.8, seed: 5)
    let product = RecurrentProduct(net.recurrent)
    for (rows, copies) in [(32, 2), (32, 5), (16, 3)] {
      let n = net.size
      var x = [Double](repeating: 0, count: rows * copies * n)
      for i in x.indices { x[i] = sin(Double(i) * 0.37) }
      var together = x, apart = x
      x.withUnsafeBufferPointer { xp in
        together.withUnsafeMutableBufferPointer { product.apply(xp, into: $0, batch: rows * copies) }
        apart.withUnsafeMutableBufferPointer { out in
          for c in 0..<copies {
            let r = c * rows * n..<(c + 1) * rows * n
            product.apply(UnsafeBufferPointer(rebasing: xp[r]), into: UnsafeMutableBufferPointer(rebasing: out[r]), batch: rows)
          }
        }
      }
      let direct = together.elementsEqual(apart) { $0.bitPattern == $1.bitPattern }
      XCTAssertEqual(product.stacksExactly(rows: rows, copies: copies), direct, "\(rows) rows × \(copies)")
    }
  }
}
