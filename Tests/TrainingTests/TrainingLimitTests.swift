import CTRNN
import Platform
import XCTest

@testable import Training

/// Options and results files that would trap, hang or exhaust memory are
/// refused before anything is allocated.
final class TrainingLimitTests: XCTestCase {
  func config(sigmaTrain: [Double] = [0, 0.5], seeds: [UInt64] = [1, 2], sigmaTest: [Double] = [0, 0.5, 1]) -> ParadoxConfig {
    ParadoxConfig(
      task: "function", activation: "relu", hidden: 4, iterations: 10, batch: 4, learningRate: 1e-3, clip: 1, dt: 0.1,
      tau: 1, trialSteps: 20, placements: [.inside], sigmaTrain: sigmaTrain, seeds: seeds, sigmaTest: sigmaTest,
      evaluationTrials: 8, evaluationRepeats: 2)
  }

  let budget = MemoryBudget(limit: 1 << 30)

  func testResultsGridsMustBeFiniteAscendingAndUnique() throws {
    XCTAssertNoThrow(try config().validateAsRead(budget: budget))
    for grid in [[0, .nan, 1], [0, 1, 0.5], [0, 0.5, 0.5], [0, .infinity], [-1, 0], []] as [[Double]] {
      XCTAssertThrowsError(try config(sigmaTest: grid).validateAsRead(budget: budget), "\(grid)")
    }
    XCTAssertThrowsError(try config(sigmaTrain: [0, .nan]).validateAsRead(budget: budget))
  }

  /// The reproducer: 30,000 seeds × 30,000 σ_train (9·10⁸ jobs) in a small file.
  func testHugeGridIsCheckedAgainstTheBudgetBeforeTheJobListIsBuilt() throws {
    let c = config(sigmaTrain: (0..<30_000).map { Double($0) }, seeds: (1...30_000).map { UInt64($0) })
    XCTAssertThrowsError(try c.validateAsRead(budget: budget)) { e in
      XCTAssert("\(e)".contains("30000 sigma_train × 30000 seeds"), "\(e)")
    }
    XCTAssertThrowsError(
      try ParadoxConfig.checkMemory(placements: 2, sigmaTrain: 4, seeds: Int.max, sigmaTest: 11, budget: budget))
  }

  func testTrainingMemoryAndLengthAreBounded() throws {
    var o = TrainingOptions(dynamics: Dynamics(activation: .relu, noise: .inside, sigma: 0.1, dt: 0.1, tau: 1))
    o.hidden = 64
    o.batchSize = 1_000_000_000
    XCTAssertThrowsError(try o.checkMemory(steps: 100, budget: budget))
    o.batchSize = 32
    XCTAssertNoThrow(try o.checkMemory(steps: 100, budget: budget))
    XCTAssertThrowsError(try o.checkMemory(steps: 1_000_000_000_000, budget: budget))
    XCTAssertThrowsError(try o.checkMemory(steps: Int.max, budget: budget))
    o.iterations = 1_000_000_000
    XCTAssertThrowsError(try o.validate())
  }

  /// dt/tau below the checkpoint's minimum fails before training, not after.
  func testTinyTimeStepIsRefusedUpFront() {
    let o = TrainingOptions(dynamics: Dynamics(activation: .relu, noise: .inside, sigma: 0.1, dt: 1e-17, tau: 1))
    XCTAssertThrowsError(try o.validate()) { e in XCTAssert("\(e)".contains("--dt"), "\(e)") }
  }
}
