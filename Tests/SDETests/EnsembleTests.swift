import Foundation
import GSL
import XCTest

@testable import SDE

/// Ornstein–Uhlenbeck dX = θ(μ − X)dt + s dW: stationary law N(μ, s²/2θ).
enum OU {
  static func problem(theta: Double, mu: Double, s: Double, x0: Double, t: Double, h: Double) throws -> SDEProblem {
    try SDEProblem.scalar(
      initialState: x0, timeSpan: 0...t, step: h,
      drift: { x, _ in theta * (mu - x) }, diffusion: { _, _ in s }, diffusionDerivative: { _, _ in 0 })
  }
}

/// AR(1) x' = a x + c + σ ξ: stationary law N(c/(1−a), σ²/(1−a²)) exactly.
enum AR1 {
  static func chain(a: Double, c: Double, sigma: Double, steps: Int, x0: Double = 0) throws -> MarkovChainProblem {
    try MarkovChainProblem.scalar(initialState: x0, steps: steps) { x, xi in a * x + c + sigma * xi }
  }
}

final class EnsembleTests: XCTestCase {
  /// A 3-dimensional coupled SDE with multiplicative noise, in pure Swift.
  func coupledProblem() throws -> SDEProblem {
    try SDEProblem(
      dimension: 3, initialState: [0.1, -0.2, 0.3], timeSpan: 0...2, step: 0.01,
      drift: { x, _, out in
        for r in 0..<(x.count / 3) {
          let i = 3 * r
          out[i] = -x[i] + 0.5 * tanh(x[i + 1])
          out[i + 1] = -x[i + 1] + 0.5 * tanh(x[i + 2])
          out[i + 2] = -x[i + 2] + 0.5 * tanh(x[i])
        }
      },
      diffusion: { x, _, out in for i in x.indices { out[i] = 0.3 * (1 + 0.5 * sin(x[i])) } },
      diffusionDerivative: { x, _, out in for i in x.indices { out[i] = 0.15 * cos(x[i]) } })
  }

  func bytes(_ s: EnsembleSolution) -> [UInt64] {
    (s.finalStates + s.paths + (s.statistics?.mean ?? []) + (s.statistics?.meanStandardError ?? [])
      + (s.statistics?.covariance?.elements ?? [])).map(\.bitPattern)
  }

  /// Same seed → same bytes; 1, 2, 3 threads and chunk sizes 7, 64, 1000 →
  /// same bytes (streams belong to trajectories, statistics are reduced in
  /// trajectory order).
  func testDeterminismAcrossThreadsAndChunks() throws {
    let p = try coupledProblem()
    let stationary = StationaryOptions(burnIn: 50, thin: 2)
    func run(threads: Int, chunk: Int, seed: UInt64 = 42) throws -> EnsembleSolution {
      try Ensemble.solve(
        p, Milstein(),
        options: EnsembleOptions(
          trajectories: 150, seed: seed, threads: threads, chunkSize: chunk, savePathsEvery: 20, stationary: stationary))
    }
    let reference = bytes(try run(threads: 2, chunk: 64))
    XCTAssertEqual(reference, bytes(try run(threads: 2, chunk: 64)))
    XCTAssertEqual(reference, bytes(try run(threads: 1, chunk: 64)))
    XCTAssertEqual(reference, bytes(try run(threads: 3, chunk: 7)))
    XCTAssertEqual(reference, bytes(try run(threads: 2, chunk: 1000)))
    XCTAssertNotEqual(reference, bytes(try run(threads: 2, chunk: 64, seed: 43)))
  }

  /// Trajectory j of an ensemble is the single solve with stream j, bit for bit.
  func testEnsembleTrajectoryEqualsSingleSolve() throws {
    let p = try coupledProblem()
    let e = try Ensemble.solve(p, EulerMaruyama(), options: EnsembleOptions(trajectories: 10, seed: 9, savePathsEvery: 1))
    for j in [0, 3, 9] {
      let s = try p.solve(EulerMaruyama(), seed: 9, stream: UInt64(j))
      XCTAssertEqual(Array(e.path(j)), s.states)
      XCTAssertEqual(Array(e.finalState(j)), s.finalState)
    }
    XCTAssertEqual(e.pathTimes.count, p.stepCount + 1)
  }

  /// OU with θ = 1, μ = 0.5, s = 0.8: stationary mean 0.5 and variance
  /// s²/2θ = 0.32. The Euler chain's own stationary variance is
  /// s²/(θ(2 − θh)), 0.1 % above at h = 0.002 — about 0.1 SE here, so the
  /// continuous-time value is the target; tolerance 4 SE (two-sided
  /// p ≈ 6e-5 per comparison).
  func testOrnsteinUhlenbeckStationaryMoments() throws {
    let p = try OU.problem(theta: 1, mu: 0.5, s: 0.8, x0: 0.5, t: 30, h: 0.002)
    let e = try Ensemble.solve(
      p, EulerMaruyama(),
      options: EnsembleOptions(trajectories: 256, seed: 1, stationary: StationaryOptions(burnIn: 2500, thin: 5)))
    let st = try XCTUnwrap(e.statistics)
    XCTAssertEqual(st.mean[0], 0.5, accuracy: 4 * st.meanStandardError[0])
    XCTAssertEqual(st.variance[0], 0.32, accuracy: 4 * st.varianceStandardError[0])
    XCTAssertEqual(st.covariance?[0, 0], st.variance[0])
  }

  /// AR(1) with a = 0.9: the batch-means standard error must match the exact
  /// one, √(Var·(1+a)/(1−a) / N) for N samples — the i.i.d. formula would be
  /// √((1−a)/(1+a)) ≈ 0.23 times too small. 64 trajectories × 1 batch give
  /// an SE estimate with ~9 % relative scatter (1/√(2·63)); accept 0.7–1.3.
  /// Mean and variance within 4 SE of c/(1−a) and σ²/(1−a²).
  func testAR1StationaryMomentsAndHonestStandardError() throws {
    let a = 0.9, c = 0.2, sigma = 0.5
    let chain = try AR1.chain(a: a, c: c, sigma: sigma, steps: 20200, x0: 2)
    let e = try Ensemble.solve(
      chain, options: EnsembleOptions(trajectories: 64, seed: 5, stationary: StationaryOptions(burnIn: 200)))
    let st = try XCTUnwrap(e.statistics)
    let mean = c / (1 - a), variance = sigma * sigma / (1 - a * a)
    XCTAssertEqual(st.mean[0], mean, accuracy: 4 * st.meanStandardError[0])
    XCTAssertEqual(st.variance[0], variance, accuracy: 4 * st.varianceStandardError[0])
    let n = Double(st.trajectories * st.samplesPerTrajectory)
    let exactSE = (variance * (1 + a) / (1 - a) / n).squareRoot()
    XCTAssertEqual(st.meanStandardError[0] / exactSE, 1, accuracy: 0.3)
    // τ_int = (1+a)/(1−a) = 19 samples for an AR(1).
    XCTAssertEqual(st.integratedAutocorrelationTime[0] / 19, 1, accuracy: 0.4)
  }

  /// The histogram of the AR(1) chain against its exact normal law, bin by
  /// bin: each bin's probability within 4.5 SE (a Bonferroni bound over 40
  /// bins: P(any |z| > 4.5) ≈ 40 · 6.8e-6). Also one trajectory split into 32
  /// time batches (the default when there is one trajectory).
  func testHistogramAgainstExactDensity() throws {
    let a = 0.5, sigma = 1.0
    let sd = sigma / (1 - a * a).squareRoot()
    let spec = HistogramSpec(lower: -3 * sd, upper: 3 * sd, bins: 40)
    for trajectories in [1, 200] {
      let chain = try AR1.chain(a: a, c: 0, sigma: sigma, steps: 400_000 / trajectories + 100)
      let e = try Ensemble.solve(
        chain,
        options: EnsembleOptions(
          trajectories: trajectories, seed: 8, stationary: StationaryOptions(burnIn: 100, histogram: spec)))
      let h = try XCTUnwrap(e.statistics?.histogram)
      XCTAssertEqual(e.statistics?.batches, trajectories == 1 ? 32 : 200)
      for bin in 0..<h.bins {
        let exact = Normal.probability(from: h.edges[bin] / sd, to: h.edges[bin + 1] / sd)
        let width = h.edges[bin + 1] - h.edges[bin]
        XCTAssertEqual(h.density[bin] * width, exact, accuracy: 4.5 * h.densityStandardError[bin] * width, "bin \(bin)")
      }
      XCTAssertEqual(h.fractionBelow, Normal.cdf(-3), accuracy: 0.001)
    }
  }

  /// A 2-D linear chain x' = A x + σ ξ with A = [[0.5, 0.2], [0, 0.3]]:
  /// stationary covariance solves C = A C Aᵀ + σ² I (summed as Σ Aᵏ (σ²I) Aᵏᵀ
  /// here, in the test). Each entry within 4 SE.
  func testCovarianceOfLinearChain() throws {
    let a = [[0.5, 0.2], [0.0, 0.3]], s = 0.7
    let chain = try MarkovChainProblem(dimension: 2, noiseDimension: 2, initialState: [0, 0], steps: 5100) { x, xi, next in
      for r in 0..<(x.count / 2) {
        let i = 2 * r
        next[i] = a[0][0] * x[i] + a[0][1] * x[i + 1] + s * xi[i]
        next[i + 1] = a[1][0] * x[i] + a[1][1] * x[i + 1] + s * xi[i + 1]
      }
    }
    var c = [[0.0, 0.0], [0.0, 0.0]], ak = [[1.0, 0.0], [0.0, 1.0]]
    for _ in 0..<200 {
      for i in 0..<2 { for j in 0..<2 { for k in 0..<2 { c[i][j] += s * s * ak[i][k] * ak[j][k] } } }
      ak = (0..<2).map { i in (0..<2).map { j in a[i][0] * ak[0][j] + a[i][1] * ak[1][j] } }
    }
    let e = try Ensemble.solve(chain, options: EnsembleOptions(trajectories: 100, seed: 3, stationary: StationaryOptions(burnIn: 100)))
    let st = try XCTUnwrap(e.statistics)
    let cov = try XCTUnwrap(st.covariance), se = try XCTUnwrap(st.covarianceStandardError)
    for i in 0..<2 { for j in 0..<2 { XCTAssertEqual(cov[i, j], c[i][j], accuracy: 4 * se[i, j], "C[\(i),\(j)]") } }
    for i in 0..<2 { XCTAssertEqual(st.mean[i], 0, accuracy: 4 * st.meanStandardError[i]) }
  }

  /// Statistics from saved paths equal the ones accumulated during the run.
  func testEstimateFromPathsMatchesOnlineStatistics() throws {
    let chain = try AR1.chain(a: 0.7, c: 1, sigma: 0.3, steps: 1000)
    let online = try Ensemble.solve(
      chain,
      options: EnsembleOptions(trajectories: 40, seed: 2, savePathsEvery: 1, stationary: StationaryOptions(burnIn: 100, thin: 3)))
    let paths = (0..<40).map { Array(online.path($0)) }
    let offline = try StationaryStatistics.estimate(paths: paths, dimension: 1, options: StationaryOptions(burnIn: 103, thin: 3))
    let st = try XCTUnwrap(online.statistics)
    XCTAssertEqual(offline.mean, st.mean)
    XCTAssertEqual(offline.meanStandardError, st.meanStandardError)
    XCTAssertEqual(offline.variance, st.variance)
    XCTAssertEqual(offline.samplesPerTrajectory, 300)
  }

  /// x' = 10 x + ξ overflows; every trajectory is reported as failed and
  /// statistics refuse to run on nothing.
  func testFailuresAreReported() throws {
    let chain = try AR1.chain(a: 10, c: 0, sigma: 1, steps: 400)
    let e = try Ensemble.solve(chain, options: EnsembleOptions(trajectories: 5, seed: 1))
    XCTAssertEqual(e.failures.count, 5)
    guard case .nonFiniteState = e.returnCode else { return XCTFail("expected a failure") }
    XCTAssertThrowsError(
      try Ensemble.solve(chain, options: EnsembleOptions(trajectories: 5, seed: 1, stationary: StationaryOptions(burnIn: 10))))
    XCTAssertThrowsError(
      try Ensemble.solve(chain, options: EnsembleOptions(trajectories: 5, seed: 1, stationary: StationaryOptions(burnIn: 400))))
  }
}
