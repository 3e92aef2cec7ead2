import CTRNN
import Foundation
import GSL
import Reports
import XCTest

/// The multistable block of the `analyze` report on a one-unit double well,
/// h ← 0.9 h + 0.1 (tanh(1.5 h + 0.05) + σξ): two stable points; no hops in
/// 18 000 steps at σ = 0.1, hundreds per well at σ = 1 (escape rates ≈ 0.011
/// and 0.032 per unit time, see MultistableStationaryTests).
final class MultistableReportTests: XCTestCase {
  func analysis() throws -> NetworkAnalysis {
    let k = try Checkpoint(
      activation: .tanh, noise: .outside, sigmaTrain: 0, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 1, columns: 1, elements: [1.5]), inputWeights: Matrix(rows: 1, columns: 1, elements: [0]),
      bias: [0.05], readoutWeights: Matrix(rows: 1, columns: 1, elements: [1]), readoutBias: [0])
    var o = NetworkAnalysis.Options()
    o.sigmas = [0, 0.1, 1]
    o.simulation.trajectories = 16
    o.simulation.steps = 1_000
    o.simulation.burnIn = 200
    o.simulation.threads = 1
    o.occupancy.trajectoriesPerAttractor = 8
    o.occupancy.steps = 20_000
    o.occupancy.burnIn = 2_000
    return try NetworkAnalysis(checkpoint: k, input: [0], options: o)
  }

  func testMultistableFieldsSayWhatIsConverged() throws {
    let report = AnalysisReport(try analysis(), path: "double-well.ckpt")
    let json = try AnalysisReportTests.json(report)
    let levels = try XCTUnwrap(json["noise_levels"] as? [[String: Any]])
    let blocks = try levels.map { try XCTUnwrap($0["multistable"] as? [String: Any]) }
    XCTAssertEqual(blocks.map { $0["multistable"] as? Bool }, [true, true, true], "both wells hold at every sigma")
    XCTAssertNil(blocks[0]["converged"], "nothing simulated at sigma = 0")
    XCTAssertEqual(blocks[1]["converged"] as? Bool, false, "no hops at sigma = 0.1")
    XCTAssertEqual(blocks[1]["transitions"] as? Int, 0)
    XCTAssertEqual(blocks[2]["converged"] as? Bool, true)
    let attractors = try XCTUnwrap(blocks[2]["attractors"] as? [[String: Any]])
    XCTAssertEqual(attractors.count, 2)
    for a in attractors {
      XCTAssertGreaterThan(try XCTUnwrap(a["exits"] as? Int), 10)
      XCTAssertGreaterThan(try XCTUnwrap(a["escape_rate"] as? Double), 0)
      XCTAssertNotNil(a["escape_rate_se"] as? Double)
      XCTAssertNotNil(a["simulated_readout"] as? [Double])
      XCTAssertEqual(a["holds"] as? Bool, true)
    }
    let weights = attractors.map { $0["weight"] as! Double }
    XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-12)
    XCTAssertNotNil(blocks[2]["mixture_readout"] as? [Double])
    XCTAssertNotNil((json["methods"] as? [String: String])?["multistable"])
    let text = report.render(.terminal)
    XCTAssert(text.contains("sigma = 0.1: MULTISTABLE") && text.contains("NOT converged"), text)
    XCTAssert(text.contains("Attractors (stable fixed points)"), text)
  }

  /// Where the reference ensemble hops (σ = 1: hundreds of exits per well)
  /// its z compares a two-well sample with one well's closure: the table
  /// says "leaves" instead, the worst z leaves that level out, and the
  /// verdict says from which σ and that the noise mixes the wells. At
  /// σ = 0.1 (no exits) the z stays a closure test.
  func testLevelsWhereTheReferenceLeavesAreNoClosureTest() throws {
    let a = try analysis()
    XCTAssertEqual(a.levels.map(a.referenceLeaves), [false, false, true])
    let report = AnalysisReport(a, path: "double-well.ckpt")
    let json = try AnalysisReportTests.json(report)
    let levels = try XCTUnwrap(json["noise_levels"] as? [[String: Any]])
    XCTAssertEqual(levels.map { ($0["multistable"] as? [String: Any])?["reference_leaves"] as? Bool }, [false, false, true])
    let expected = a.levels[1].z.map { $0.map(abs).max()! }
    XCTAssertEqual(a.worstZ, expected, "only the sigma = 0.1 level counts")
    let rows = report.levelTable().render(.terminal).split(separator: "\n")
    XCTAssert(rows.contains { $0.hasPrefix("1.0") && $0.hasSuffix("leaves") }, rows.joined(separator: "\n"))
    XCTAssert(rows.contains { $0.hasPrefix("0.1") && !$0.contains("leaves") }, rows.joined(separator: "\n"))
    let verdict = AnalysisVerdict(a)
    XCTAssertEqual(verdict.attractors, .init(count: 2, allHoldUpTo: 1, mixingFrom: 1, referenceLeavesFrom: 1))
    XCTAssert(verdict.text.contains("at sigma < 1") && verdict.text.contains("2 attractors"), verdict.text)
    // σ_train = 0 and the largest σ mixes the wells: the bias is the last level where the reference stays.
    XCTAssertEqual(verdict.bias?.sigma, 0.1)
  }

  /// One stable point: no multistable key anywhere, no extra method, no extra table.
  func testSingleAttractorReportHasNoMultistableBlock() throws {
    let a = try NetworkAnalysis(
      checkpoint: AnalysisReportTests.checkpoint(), input: [0.25], options: AnalysisReportTests.options(schemes: [.chain]))
    let report = AnalysisReport(a, path: "tiny.ckpt")
    let json = try AnalysisReportTests.json(report)
    for level in try XCTUnwrap(json["noise_levels"] as? [[String: Any]]) { XCTAssertNil(level["multistable"]) }
    XCTAssertNil((json["methods"] as? [String: String])?["multistable"])
    XCTAssertNil(report.multistableTable())
    XCTAssertEqual(report.multistableLines, "")
  }
}
