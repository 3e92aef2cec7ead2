import Foundation
import XCTest

@testable import SDE

/// `Ensemble.solveLockstep` must give every chain exactly what a run of
/// that chain alone gives: the sharing of the product is an implementation
/// detail, not a change of results.
final class LockstepTests: XCTestCase {
  /// x' = 0.9 x + 0.05 L x + tanh(x) σ ξ on n = 5, with L a fixed coupling
  /// applied row by row in Swift (each row independent of the others by
  /// construction), split into product and elementwise part.
  static func chain(sigma: Double, steps: Int = 120) throws -> MarkovChainProblem {
    let n = 5
    let l = (0..<(n * n)).map { Double(($0 * 7) % 11) / 11 - 0.5 }
    let product: @Sendable (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void = { x, out in
      for r in 0..<(x.count / n) {
        for i in 0..<n {
          var s = 0.0
          for j in 0..<n { s += l[i * n + j] * x[r * n + j] }
          out[r * n + i] = s
        }
      }
    }
    let elementwise: MarkovChainProblem.BatchMap = { x, xi, next in
      for k in x.indices { next[k] = 0.9 * x[k] + 0.05 * next[k] + sigma * tanh(1 + x[k]) * xi[k] }
    }
    var problem = try MarkovChainProblem(
      dimension: n, noiseDimension: n, initialState: [0.1, 0.2, -0.1, 0, 0.3], steps: steps
    ) { x, xi, next in
      product(x, next)
      elementwise(x, xi, next)
    }
    problem.linearPart = .init(product: product, elementwise: elementwise)
    return problem
  }

  func bytes(_ s: EnsembleSolution) -> [UInt64] {
    (s.finalStates + s.paths + (s.statistics?.mean ?? []) + (s.statistics?.meanStandardError ?? [])
      + (s.statistics?.covariance?.elements ?? []) + (s.statistics?.covarianceStandardError?.elements ?? [])).map(\.bitPattern)
  }

  /// Three σ, 30 trajectories in chunks of 7 (the last one of 2), paths and
  /// statistics, on 1 and 3 threads: each chain's bytes equal its own run's.
  func testLockstepMatchesSeparateRuns() throws {
    let sigmas = [0.1, 0.4, 0.9]
    let chains = try sigmas.map { try Self.chain(sigma: $0) }
    for threads in [1, 3] {
      let options = sigmas.indices.map { i in
        EnsembleOptions(
          trajectories: 30, seed: 11 + UInt64(i), threads: threads, chunkSize: 7, savePathsEvery: 25,
          stationary: StationaryOptions(burnIn: 20, thin: 2, covariance: true))
      }
      let together = Ensemble.solveLockstep(chains, options: options)
      XCTAssertEqual(together.count, chains.count)
      for i in chains.indices {
        let alone = try Ensemble.solve(chains[i], options: options[i])
        XCTAssertEqual(bytes(try together[i].get()), bytes(alone), "σ = \(sigmas[i]), \(threads) thread(s)")
      }
    }
  }

  /// A chain that cannot share the run (another step count) is solved on
  /// its own, and an invalid option is that chain's error, in its place.
  func testMismatchedChainsFallBackInOrder() throws {
    let chains = [try Self.chain(sigma: 0.2), try Self.chain(sigma: 0.3, steps: 80), try Self.chain(sigma: 0.5)]
    var options = [EnsembleOptions](repeating: EnsembleOptions(trajectories: 12, seed: 3, threads: 2, chunkSize: 5), count: 3)
    options[2].chunkSize = 0
    let results = Ensemble.solveLockstep(chains, options: options)
    XCTAssertEqual(bytes(try results[0].get()), bytes(try Ensemble.solve(chains[0], options: options[0])))
    XCTAssertEqual(bytes(try results[1].get()), bytes(try Ensemble.solve(chains[1], options: options[1])))
    XCTAssertThrowsError(try results[2].get())
  }
}
