import Platform
import XCTest

@testable import Neuron

final class StationaryLimitTests: XCTestCase {
  func testSizesAreBoundedWithoutTrapping() throws {
    var o = StationaryAnalysis.Options()
    o.cells = 100_000
    XCTAssertThrowsError(try o.validate()) { e in XCTAssertEqual((e as? NeuronError)?.parameter, .cells) }
    o.cells = 400
    o.trajectories = Int.max
    XCTAssertThrowsError(try o.validate()) { e in XCTAssertEqual((e as? NeuronError)?.parameter, .trajectories) }
    XCTAssertThrowsError(try o.checkMemory(MemoryBudget(limit: 1 << 30)))
    o.trajectories = 200
    XCTAssertNoThrow(try o.validate())
    XCTAssertNoThrow(try o.checkMemory(MemoryBudget(limit: 1 << 30)))
    // 2 · 400² · 8 = 2.56 MB for the transfer operator.
    XCTAssertThrowsError(try o.checkMemory(MemoryBudget(limit: 2_000_000)))
  }

  /// A chain with dt/τ below the floor is refused by name (it used to fail
  /// late as "density not normalisable"); at the floor it is accepted.
  func testTinyGammaIsRefusedByName() throws {
    for dt in [1e-300, 5e-324, 1e-10] {
      let n = try SingleNeuron(activation: .tanh, w: 1.2, b: 0.1, sigma: 0.5, noise: .inside, dt: dt, tau: 1)
      XCTAssertThrowsError(try n.checkStationary()) { e in XCTAssertEqual((e as? NeuronError)?.parameter, .dt) }
    }
    let ok = try SingleNeuron(activation: .tanh, w: 1.2, b: 0.1, sigma: 0.5, noise: .inside, dt: SingleNeuron.minimumGamma, tau: 1)
    XCTAssertNoThrow(try ok.checkStationary())
  }
}
