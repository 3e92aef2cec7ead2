import CTRNN
import Neuron
import Foundation
import Reports
import Verification
import XCTest

final class StationaryReportTests: XCTestCase {
  func testVerdictNamesTheDisagreeingScheme() {
    let v = StationaryVerdict(chainMean: 0.5, zChainEnsemble: 0.4, zEulerMaruyama: 4.2, zMilstein: -1)
    XCTAssertFalse(v.allAgree)
    XCTAssertEqual(
      v.text,
      "vs chain mean 0.5: chain ensemble z = +0.40 (within 3 SE), EM z = +4.20 (NOT within 3 SE), Milstein z = -1.00 (within 3 SE)")
    XCTAssertTrue(StationaryVerdict(chainMean: 0.5, zChainEnsemble: 3, zEulerMaruyama: -3, zMilstein: 0).allAgree)
  }

  /// JSON keys from a short run (the numbers are not checked here; the
  /// `verify` catalogue checks them). agree_within_3se keeps its spelling
  /// although the strategy alone would write agree_within3_se.
  func testJSONKeys() throws {
    let neuron = try SingleNeuron(activation: .tanh, w: 0.5, b: 0.1, sigma: 0.5, noise: .inside, dt: 0.1, tau: 1)
    var o = StationaryAnalysis.Options()
    o.trajectories = 4
    o.steps = 400
    o.burnIn = 100
    o.threads = 1
    o.cells = 64
    let a = try StationaryAnalysis(neuron: neuron, options: o)
    let report = StationaryReport(a)
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(try JSONOutput.string(report).utf8)) as? [String: Any])
    for key in [
      "activation", "noise", "sigma", "deterministic_fixed_points", "noise_averaged_fixed_point", "chain_mean",
      "chain_leak_rate", "fokker_planck_mean", "em_mean_se", "milstein_variance_se", "chain_ensemble_mean",
      "bias", "z_em", "z_milstein", "z_chain_ensemble", "agree_within_3se", "agreement",
    ] {
      XCTAssertNotNil(json[key], key)
    }
    XCTAssertNil(json["table"], "the table is not part of the JSON")
    XCTAssertEqual(json["agree_within_3se"] as? Bool, StationaryVerdict(a).allAgree)
    // JSONEncoder writes the shortest round-trip digits, but Linux
    // Foundation's JSONSerialization does not parse every 17-digit number
    // to the nearest double (-1.4647788571012217 comes back 1 ulp off):
    // equal to within a few ulp.
    let z = a.eulerMaruyama.zScore(against: a.chain.mean)
    XCTAssertEqual(try XCTUnwrap(json["z_em"] as? Double), z, accuracy: 4 * z.ulp)
  }
}

final class VerifyReportTests: XCTestCase {
  func outcomes() -> [CheckOutcome] {
    [
      Check(name: "passes", unit: .relative, tolerance: 1e-10, reason: "test") { 1e-12 }(),
      Check(name: "too-far", unit: .standardErrors, tolerance: 3, reason: "test") { 4 }(),
      Check(name: "throws", unit: .absolute, tolerance: 1, reason: "test") { throw CocoaError(.fileNoSuchFile) }(),
    ]
  }

  func testJSON() throws {
    let report = VerifyReport(outcomes())
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(try JSONOutput.string(report).utf8)) as? [String: Any])
    XCTAssertEqual(json["passed"] as? Bool, false)
    let rows = try XCTUnwrap(json["checks"] as? [[String: Any]])
    XCTAssertEqual(rows.map { $0["name"] as? String }, ["passes", "too-far", "throws"])
    XCTAssertEqual(rows.map { $0["passed"] as? Bool }, [true, false, false])
    XCTAssertEqual(Set(rows[0].keys), ["name", "passed", "worst_error", "tolerance", "unit"])
    XCTAssertEqual(rows[1]["unit"] as? String, "standard_errors")
    XCTAssertNotNil(rows[2]["error"])
    XCTAssertEqual(report.failed, ["too-far", "throws"])
  }

  func testAllPassing() throws {
    let report = VerifyReport([outcomes()[0]])
    XCTAssertTrue(report.passed)
    XCTAssertTrue(report.render(.terminal).hasSuffix("1 passed, 0 failed\n"))
  }
}
