import Platform
import XCTest

@testable import Neuron

final class StationaryLimitTests: XCTestCase {
  func testSizesAreBoundedWithoutTrapping() throws {
    var o = StationaryAnalysis.Options()
    o.cells = 100_000
    XCTAssertThrowsError(try o.validate()) { e in XCTAssertEqual((e as? NeuronError)?.option, "--cells") }
    o.cells = 400
    o.trajectories = Int.max
    XCTAssertThrowsError(try o.validate()) { e in XCTAssertEqual((e as? NeuronError)?.option, "--trajectories") }
    XCTAssertThrowsError(try o.checkMemory(MemoryBudget(limit: 1 << 30)))
    o.trajectories = 200
    XCTAssertNoThrow(try o.validate())
    XCTAssertNoThrow(try o.checkMemory(MemoryBudget(limit: 1 << 30)))
    // 2 · 400² · 8 = 2.56 MB for the transfer operator.
    XCTAssertThrowsError(try o.checkMemory(MemoryBudget(limit: 2_000_000)))
  }
}
