import XCTest

@testable import SDE

/// A diverging ensemble is an error that says where it diverged, not a
/// "too few batches" message or a trap.
final class DivergenceTests: XCTestCase {
  /// x' = 2x + 1 + ξ doubles every step: every trajectory overflows to inf
  /// near step 1024 (2^1024 > Double.greatestFiniteMagnitude), so the
  /// stationary statistics have no batch left.
  func testEveryTrajectoryDivergingNamesTheFirstStepAndTrajectory() throws {
    let chain = try AR1.chain(a: 2, c: 1, sigma: 0.1, steps: 2000)
    XCTAssertThrowsError(
      try Ensemble.solve(chain, options: EnsembleOptions(trajectories: 4, seed: 1, stationary: StationaryOptions(burnIn: 100)))
    ) { error in
      guard case SDEError.diverged(let j, let step, let failed, let of) = error else {
        return XCTFail("expected .diverged, got \(error)")
      }
      XCTAssertEqual(failed, 4)
      XCTAssertEqual(of, 4)
      XCTAssert((0..<4).contains(j))
      // Overflow of 2^k · O(1) happens between steps 1020 and 1030.
      XCTAssert((1000...1040).contains(step), "step \(step)")
      XCTAssert("\(error)".contains("at step \(step)"), "\(error)")
    }
  }

  /// An Int.max trajectory count is refused before any Int product can trap.
  func testHugeTrajectoryCountIsAnErrorNotATrap() throws {
    let chain = try AR1.chain(a: 0.5, c: 0, sigma: 1, steps: 10)
    XCTAssertThrowsError(
      try Ensemble.solve(chain, options: EnsembleOptions(trajectories: Int.max, seed: 1, stationary: StationaryOptions(burnIn: 1))))
    XCTAssertThrowsError(try Ensemble.solve(chain, options: EnsembleOptions(trajectories: 1 << 40, seed: 1, savePathsEvery: 1)))
  }
}
