import Foundation
import GaussianMoments
import Reports
import Training
import XCTest

/// `fixedpoints table`'s library half: recognising result files and
/// combining them. The inputs are small hand-written JSON documents in each
/// command's documented shape (and a paradox results file built from
/// Training's types), so every expected cell is worked out by hand.
final class ResultTableTests: XCTestCase {
  /// An analyze report with the keys the table reads: two levels, one output.
  func analyze(path: String, noise: String, bias: Double, se: Double, closure: Double, meanField: Double) -> String {
    """
    {"model": {"path": "\(path)", "hidden": 32, "outputs": 1, "activation": "relu", "noise": "\(noise)",
      "sigma_train": 0.5, "task": "function", "inputs": 1},
     "fixed_points": [{"readout": [0.6], "reference": true}], "optimum_sigma": 0.5, "worst_z": 1.5,
     "noise_levels": [
      {"sigma": 0, "simulated_mean": [0.6], "simulated_se": [0], "bias": [0], "analytic_closure": [0.6],
       "analytic_bias": [0], "analytic_mean_field": [0.6], "schemes": []},
      {"sigma": 0.5, "simulated_mean": [\(0.6 + bias)], "simulated_se": [\(se)], "bias": [\(bias)],
       "analytic_closure": [\(0.6 + closure)], "analytic_bias": [\(closure)], "analytic_mean_field": [\(0.6 + meanField)],
       "z": [-0.7], "output_error": 0.0017, "schemes": []}]}
    """
  }

  func file(_ json: String, _ path: String) throws -> ResultFile {
    try ResultFile.read(Data(json.utf8), path: path)
  }

  var bundled: [ResultFile] {
    get throws {
      [
        try file(analyze(path: "Data/m-in.ckpt", noise: "in", bias: 0.3756684, se: 0.000682, closure: 0.37614, meanField: 0.37660), "in.json"),
        try file(analyze(path: "Data/m-out.ckpt", noise: "out", bias: -0.0028, se: 0.0011, closure: -0.00165, meanField: 0), "out.json"),
      ]
    }
  }

  func testAnalyzeOneRowPerModelAtSigmaTrain() throws {
    let t = try ResultTable.build(try bundled, .init(caption: "c", label: "tab:b"))
    XCTAssertEqual(t.columns.map(\.name), ["model", "noise", "sigma_test", "optimum", "bias", "bias_closure", "bias_mean_field"])
    XCTAssertEqual(t.rows.map { $0.map { $0.formatted() } }, [
      ["m-in", "in", "0.5", "0.5", "0.3757(7)", "0.3761", "0.3766"],
      ["m-out", "out", "0.5", "0.5", "-0.0028(11)", "-0.00165", "0"],
    ])
    XCTAssertEqual(t.caption, "c")
    XCTAssertEqual(t.label, "tab:b")
  }

  func testChosenColumnsSigmaAliasAndLevel() throws {
    let t = try ResultTable.build(try bundled, .init(columns: ["model", "sigma", "bias", "z"], sigma: 0))
    XCTAssertEqual(t.columns.map(\.name), ["model", "sigma_test", "bias", "z"])
    XCTAssertEqual(t.rows[0].map { $0.formatted() }, ["m-in", "0", "0", "-"])
    XCTAssertThrowsError(try ResultTable.build(try bundled, .init(sigma: 0.3))) { e in
      XCTAssertEqual(e as? ResultTableError, .sigmaNotALevel(path: "in.json", sigma: 0.3, levels: [0, 0.5]))
    }
    XCTAssertThrowsError(try ResultTable.build(try bundled, .init(rows: .sigma, sigma: 0.5))) { e in
      XCTAssertEqual(e as? ResultTableError, .sigmaNotApplicable)
    }
    XCTAssertThrowsError(try ResultTable.build(try bundled, .init(output: 1))) { e in
      XCTAssertEqual(e as? ResultTableError, .outputOutOfRange(path: "in.json", output: 1, outputs: 1))
    }
  }

  func testRowsPerSigmaPutModelsSideBySide() throws {
    let t = try ResultTable.build(try bundled, .init(columns: ["sigma", "bias"], rows: .sigma))
    XCTAssertEqual(t.columns.map(\.key), ["sigma_test", "m-in.bias", "m-out.bias"])
    XCTAssertEqual(t.rows.map { $0.map { $0.formatted() } }, [["0", "0", "0"], ["0.5", "0.3757(7)", "-0.0028(11)"]])
  }

  func testUnknownColumnListsTheAvailableOnes() throws {
    XCTAssertThrowsError(try ResultTable.build(try bundled, .init(columns: ["sigma", "nonsense"]))) { e in
      let message = (e as? ResultTableError)?.description ?? ""
      XCTAssertTrue(message.hasPrefix("no column 'nonsense' for analyze results with --rows model; available: model,task,noise"), message)
    }
  }

  func testUnknownAndMalformedFiles() {
    XCTAssertThrowsError(try file("{\"hello\": 1}", "x.json")) { e in
      XCTAssertEqual(e as? ResultTableError, .unknownKind(path: "x.json", keys: ["hello"]))
    }
    XCTAssertThrowsError(try file("[1, 2]", "a.json")) { e in
      XCTAssertEqual(e as? ResultTableError, .unknownKind(path: "a.json", keys: []))
    }
    XCTAssertThrowsError(try file("not json", "b.json")) { e in XCTAssertEqual(e as? ResultTableError, .notJSON(path: "b.json")) }
    // Recognised as analyze by its keys, but a level lacks its bias.
    XCTAssertThrowsError(try file(#"{"model": {}, "noise_levels": [], "fixed_points": []}"#, "c.json")) { e in
      guard case .malformed(let path, let kind, _)? = e as? ResultTableError else { return XCTFail("\(e)") }
      XCTAssertEqual(path, "c.json")
      XCTAssertEqual(kind, .analyze)
    }
    XCTAssertThrowsError(try ResultTable.build([], .init())) { e in XCTAssertEqual(e as? ResultTableError, .noFiles) }
  }

  func testVerifyAndMomentsAndMixedKinds() throws {
    let verify = try file(
      #"{"passed": false, "checks": [{"name": "relu mean", "passed": true, "worst_error": 1.2e-15, "tolerance": 1e-12, "unit": "relative"},"#
        + #"{"name": "em order", "passed": false, "worst_error": 0.31, "tolerance": 0.2, "unit": "absolute"}]}"#, "v.json")
    XCTAssertEqual(verify.kind, .verify)
    let v = try ResultTable.build([verify], .init())
    XCTAssertEqual(v.rows.map { $0.map { $0.formatted() } }, [
      ["relu mean", "1.2e-15", "1e-12", "relative", "pass"], ["em order", "0.31", "0.2", "absolute", "FAIL"],
    ])
    let moments = try file(
      #"{"activation": "relu", "mu": 0, "sigma": 1, "mean": 0.3989422804014327, "second_moment": 0.5, "variance": 0.3408450569081046,"#
        + #""mean_slope": 0.5, "bias": 0.3989422804014327, "method": "closed-form", "error_bound": 1e-15, "error_bounds": {},"#
        + #""monte_carlo": {"samples": 1000, "seed": 1, "mean": 0.401, "second_moment": 0.5, "variance": 0.34, "mean_slope": 0.5,"#
        + #""bias": 0.401, "mean_se": 0.019, "second_moment_se": 0.02, "variance_se": 0.02, "mean_slope_se": 0.016, "bias_se": 0.019}}"#,
      "m.json")
    XCTAssertEqual(moments.kind, .moments)
    let m = try ResultTable.build([moments], .init(columns: ["activation", "mean", "mc_mean"]))
    XCTAssertEqual(m.rows[0].map { $0.formatted() }, ["relu", "0.3989", "0.401(19)"])
    // Two kinds: the defaults differ, so columns must be named, and each
    // must exist for both kinds.
    XCTAssertThrowsError(try ResultTable.build([verify, moments], .init())) { e in
      XCTAssertEqual(e as? ResultTableError, .mixedKinds(["verify", "moments"]))
    }
    XCTAssertThrowsError(try ResultTable.build([moments], .init(rows: .sigma))) { e in
      XCTAssertEqual(e as? ResultTableError, .noSigmaRows(.moments))
    }
  }

  func testParadoxResultsBothAsFileAndAsSummary() throws {
    let config = ParadoxConfig(
      task: "function", activation: "relu", hidden: 4, iterations: 10, batch: 2, learningRate: 0.003, clip: 1, dt: 0.1,
      tau: 1, trialSteps: 10, placements: [.inside], sigmaTrain: [0.5], seeds: [1, 2], sigmaTest: [0, 0.5, 1],
      evaluationTrials: 4, evaluationRepeats: 2)
    let job1 = ParadoxJob(noise: .inside, sigmaTrain: 0.5, seed: 1), job2 = ParadoxJob(noise: .inside, sigmaTrain: 0.5, seed: 2)
    let results = ParadoxResults(config: config, shard: "all", outcomes: [
      ParadoxOutcome(job: job1, finalLoss: 0.01, testLoss: [0.40, 0.010, 0.05], testStandardError: [0.01, 0.001, 0.002]),
      ParadoxOutcome(job: job2, finalLoss: 0.01, testLoss: [0.50, 0.012, 0.07], testStandardError: [0.01, 0.001, 0.002]),
    ])
    let raw = try JSONOutput.string(results)
    let summary = try JSONOutput.string(ParadoxSummary(results))
    for (json, name) in [(raw, "r.json"), (summary, "s.json")] {
      let f = try file(json, name)
      XCTAssertEqual(f.kind, .paradox)
      let t = try ResultTable.build([f], .init())
      // Two seeds: mean and SE across them, sd/√2 = |a − b|/2:
      // at 0: 0.45 ± 0.05; at 0.5 (best, = σ_train): 0.011 ± 0.001.
      XCTAssertEqual(t.rows.map { $0.map { $0.formatted() } }, [["in", "0.5", "2", "0.5", "0.0110(10)", "0.45(5)", "0.0110(10)"]])
      let s = try ResultTable.build([f], .init(rows: .sigma))
      XCTAssertEqual(s.rows.map { $0.map { $0.formatted() } }, [["0", "0.45(5)"], ["0.5", "0.0110(10)"], ["1", "0.060(10)"]])
    }
  }
}
