import Foundation
import XCTest

@testable import CTRNN

/// The bundled flip-flop (Data/flipflop-tanh-noise-in.ckpt, made by
/// scripts/make_flipflop_model.sh) at its default input, zero: the default
/// search must find its 8 memories, one stable fixed point per sign pattern
/// of the three readouts.
final class FlipFlopAttractorTests: XCTestCase {
  static let checkpointURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Data/flipflop-tanh-noise-in.ckpt")

  func testDefaultSearchFindsEightMemories() throws {
    let problem = try AnalysisProblem(checkpoint: try Checkpoint(contentsOf: Self.checkpointURL), input: nil)
    XCTAssertEqual(problem.network.input, [0, 0, 0], "the flip-flop is analysed between pulses")
    XCTAssertNil(problem.target, "no constant-input target")
    let census = try problem.network.findFixedPoints(
      largestSigma: 0.1, simulation: NetworkSimulationOptions(), search: FixedPointSearch(), slowPointSpeed: nil)
    let stable = census.fixedPoints.filter(\.stable)
    XCTAssertEqual(stable.count, 8)
    // Each memory reads out one sign pattern, held at |z| > 0.5 (trained to
    // ±1; the measured values are within 0.02 of it).
    var patterns = Set<[Bool]>()
    for p in stable {
      XCTAssert(p.readout.allSatisfy { abs($0) > 0.5 }, "\(p.readout)")
      patterns.insert(p.readout.map { $0 > 0 })
    }
    XCTAssertEqual(patterns.count, 8, "every sign pattern of the three bits is a memory")
    // The saddles between them: each has at least one unstable direction.
    XCTAssert(census.fixedPoints.filter { !$0.stable }.allSatisfy { $0.index >= 1 })
  }
}
