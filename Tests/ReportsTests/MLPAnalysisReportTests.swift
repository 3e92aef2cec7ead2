import Feedforward
import Foundation
import XCTest

@testable import Reports

final class MLPAnalysisReportTests: XCTestCase {
  func analysis(task: String?) throws -> MLPAnalysis {
    var net = try MLP.random(sizes: [1, 4, 1], activation: .relu, noise: .inside, sigmaTrain: 0.5, seed: 2)
    net.task = task
    return try MLPAnalysis.run(net, input: [0.5], sigmas: [0, 0.5], samples: 2000, seed: 1)
  }

  func testJSONKeysMatchAnalyze() throws {
    let report = MLPAnalysisReport(try analysis(task: "function"))
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(JSONOutput.string(report).utf8)) as? [String: Any])
    for key in ["model", "input", "noiseless_output", "noise_levels", "worst_z", "methods", "verdict", "samples", "seed", "target"] {
      XCTAssertNotNil(object[key], key)
    }
    let levels = try XCTUnwrap(object["noise_levels"] as? [[String: Any]])
    for key in [
      "sigma", "analytic_mean_field", "analytic_closure", "simulated_mean", "simulated_se", "bias", "analytic_bias", "z",
      "output_error", "output_error_closure",
    ] {
      XCTAssertNotNil(levels[1][key], key)
    }
    // Bias is simulated minus noiseless, by definition.
    let level = report.noiseLevels[1]
    XCTAssertEqual(level.bias[0], level.simulatedMean[0] - report.noiselessOutput[0])
    // The function target at u = 0.5 is sin(π/2) = 1; output error adds the variance.
    XCTAssertEqual(try XCTUnwrap(report.target), 1, accuracy: 1e-15)
    let e = (level.simulatedMean[0] - 1) * (level.simulatedMean[0] - 1) + level.simulatedVariance[0]
    XCTAssertEqual(try XCTUnwrap(level.outputError), e, accuracy: 1e-15)
    XCTAssertTrue(report.verdict.contains("bias at sigma = 0.5"), report.verdict)
  }

  func testNoTargetWithoutAKnownTask() throws {
    let report = MLPAnalysisReport(try analysis(task: nil))
    XCTAssertNil(report.target)
    XCTAssertNil(report.noiseLevels[1].outputError)
    XCTAssertFalse(try JSONOutput.string(report).contains("output_error"))
    XCTAssertTrue(report.render(.terminal).contains("mean (closure)"))
  }
}
