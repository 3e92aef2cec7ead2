import GSL
import Platform
import XCTest

@testable import CTRNN

/// Checkpoints that are well-formed but would trap, hang or exhaust memory
/// downstream are refused when they are built.
final class CheckpointLimitTests: XCTestCase {
  func make(dt: Double = 0.1, tau: Double = 1, loss: Double? = nil, n: Int = 3) throws -> Checkpoint {
    try Checkpoint(
      activation: .tanh, noise: .inside, sigmaTrain: 0.1, dt: dt, tau: tau,
      recurrent: Matrix(rows: n, columns: n), input: Matrix(rows: n, columns: 1),
      bias: [Double](repeating: 0, count: n), readout: Matrix(rows: 1, columns: n), readoutBias: [0], loss: loss)
  }

  /// The reproducers: dt 1e-17, 1e-300 and 5e-324 with tau 1, and tau 1e300.
  func testTinyGammaIsRefused() throws {
    for (dt, tau) in [(1e-17, 1.0), (1e-300, 1.0), (5e-324, 1.0), (0.1, 1e300), (1e-5, 1.0)] {
      XCTAssertThrowsError(try make(dt: dt, tau: tau), "dt \(dt) tau \(tau)") { e in
        XCTAssert("\(e)".contains("dt/tau"), "\(e)")
      }
    }
    XCTAssertNoThrow(try make(dt: Checkpoint.minimumGamma, tau: 1))
  }

  func testNonFiniteLossIsRefused() throws {
    for loss in [Double.nan, .infinity, -.infinity] {
      XCTAssertThrowsError(try make(loss: loss)) { e in XCTAssert("\(e)".contains("loss"), "\(e)") }
    }
    XCTAssertNoThrow(try make(loss: 0.25))
  }

  func testClosureMemoryIsCheckedAgainstTheBudget() throws {
    let k = try make(n: 12)
    // 3 · 12² · 8 = 3456 bytes.
    XCTAssertEqual(try Checkpoint.closureBytes(hidden: 12), 3456)
    XCTAssertNoThrow(try k.checkAnalysisLimits(budget: MemoryBudget(limit: 3456)))
    XCTAssertThrowsError(try k.checkAnalysisLimits(budget: MemoryBudget(limit: 3455))) { e in
      XCTAssert("\(e)".contains("the closure at N = 12"), "\(e)")
    }
    XCTAssertThrowsError(try Checkpoint.closureBytes(hidden: 1 << 32))
  }

  func testEnsembleWorkIsBounded() throws {
    let k = try make(n: 3)
    var o = NetworkSimulationOptions()
    o.trajectories = 4
    o.steps = 1_000_000_000
    XCTAssertThrowsError(try k.checkEnsembleWork(o)) { e in XCTAssertEqual((e as? NetworkError)?.parameter, .trajectories) }
    o.trajectories = Int.max
    XCTAssertThrowsError(try k.checkEnsembleWork(o))
    o.trajectories = 64
    o.steps = 2000
    XCTAssertNoThrow(try k.checkEnsembleWork(o))
  }

  /// The noiseless settling loop's length is bounded for any γ (it used to
  /// convert 200/γ to an Int).
  func testSettleNeverConvertsAnUnboundedCount() throws {
    let k = try make()
    let net = try Network(checkpoint: k, input: [0])
    XCTAssertEqual(net.settle(from: [0, 0, 0]), [0, 0, 0])
  }
}
