import CTRNN
import Neuron
import Foundation
import GSL
import Reports
import XCTest

/// The `analyze` report built from a one-neuron network, no subprocess.
final class AnalysisReportTests: XCTestCase {
  /// One noise-in tanh neuron, w = 0.5, b = 0.5 (one stable fixed point near
  /// 0.7): noise pulls E tanh towards 0, so the bias is clearly negative.
  static func checkpoint() throws -> Checkpoint {
    try Checkpoint(
      activation: .tanh, noise: .inside, sigmaTrain: 0.5, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 1, columns: 1, elements: [0.5]), input: Matrix(rows: 1, columns: 1, elements: [0]),
      bias: [0.5], readout: Matrix(rows: 1, columns: 1, elements: [1]), readoutBias: [0], task: "function")
  }

  static func options(sigmas: [Double] = [0, 0.5], schemes: [NetworkScheme] = [.chain, .eulerMaruyama]) -> NetworkAnalysis.Options {
    var o = NetworkAnalysis.Options()
    o.sigmas = sigmas
    o.schemes = schemes
    o.simulation.trajectories = 16
    o.simulation.steps = 1_000
    o.simulation.burnIn = 200
    o.simulation.threads = 1
    o.search.randomStarts = 4
    return o
  }

  static func json(_ report: AnalysisReport) throws -> [String: Any] {
    let data = Data(try JSONOutput.string(report).utf8)
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// The documented keys (README, "analyze --json"), spelled in snake_case
  /// by the one encoder strategy from camelCase properties.
  func testJSONKeys() throws {
    let a = try NetworkAnalysis(checkpoint: Self.checkpoint(), input: [0.25], options: Self.options())
    let json = try Self.json(AnalysisReport(a, path: "tiny.ckpt"))
    XCTAssertEqual(
      Set(json.keys),
      ["model", "fixed_points", "search", "branch", "noise_levels", "optimum_sigma", "worst_z", "verdict", "methods"])
    let model = try XCTUnwrap(json["model"] as? [String: Any])
    XCTAssertEqual(model["sigma_train"] as? Double, 0.5)
    XCTAssertEqual(model["target_formula"] as? String, "sin(pi*u)")
    XCTAssertEqual(model["path"] as? String, "tiny.ckpt")
    let point = try XCTUnwrap((json["fixed_points"] as? [[String: Any]])?.first)
    XCTAssertEqual(
      Set(point.keys),
      [
        "h", "residual", "spectral_radius", "stable", "readout", "reference", "eigenvalues", "index", "unstable_modes",
        "slowest_mode", "times_found",
      ])
    let search = try XCTUnwrap(json["search"] as? [String: Any])
    XCTAssertEqual(search["stopping_reason"] as? String, "saturated")
    XCTAssertEqual(search["distinct"] as? Int, 1)
    let levels = try XCTUnwrap(json["noise_levels"] as? [[String: Any]])
    XCTAssertEqual(levels.count, 2)
    XCTAssertEqual(
      Set(levels[1].keys),
      [
        "sigma", "analytic_mean_field", "analytic_closure", "closure_readout_variance", "simulated_mean",
        "simulated_se", "bias", "analytic_bias", "z", "output_error", "output_error_closure", "schemes",
        "analytic_small_noise", "small_noise_kink_units",
      ])
    // σ = 0: the fixed point itself, no ensembles, no z.
    XCTAssertEqual(levels[0]["bias"] as? [Double], [0])
    XCTAssertNil(levels[0]["z"])
    let schemes = try XCTUnwrap(levels[1]["schemes"] as? [[String: Any]])
    XCTAssertEqual(schemes.map { $0["scheme"] as? String }, ["chain", "em"])
    XCTAssertNil(schemes[0]["z_vs_chain"], "the chain is not compared with itself")
    XCTAssertNotNil(schemes[1]["z_vs_chain"])
    XCTAssertEqual(Set(schemes[1].keys), ["scheme", "readout_mean", "readout_se", "readout_variance", "z_vs_chain"])
  }

  /// analytic_bias is the closure's readout minus the reference fixed
  /// point's, the same reference the simulated bias uses.
  func testAnalyticBiasAgainstReference() throws {
    let a = try NetworkAnalysis(checkpoint: Self.checkpoint(), input: [0.25], options: Self.options(schemes: [.chain]))
    let report = AnalysisReport(a, path: "tiny.ckpt")
    let level = report.noiseLevels[1]
    let closure = try XCTUnwrap(level.analyticClosure)
    XCTAssertEqual(try XCTUnwrap(level.analyticBias), [closure[0] - a.reference.readout[0]])
    // tanh noise-in: E tanh(u + σξ) < tanh(u) for u > 0, so the bias is negative.
    XCTAssertLessThan(level.bias[0], 0)
  }

  /// The z of a scheme against the chain combines both standard errors.
  func testSchemeZCombinesBothStandardErrors() throws {
    let a = try NetworkAnalysis(checkpoint: Self.checkpoint(), input: [0.25], options: Self.options())
    let sims = a.levels[1].simulated
    let e = AnalysisReport.schemeEstimate(sims[1], chain: sims[0])
    let se = (sims[0].readoutStandardError[0] * sims[0].readoutStandardError[0]
      + sims[1].readoutStandardError[0] * sims[1].readoutStandardError[0]).squareRoot()
    XCTAssertEqual(try XCTUnwrap(e.zVsChain)[0], (sims[1].readoutMean[0] - sims[0].readoutMean[0]) / se, accuracy: 1e-12)
  }

  /// The closure at the same σ agrees with the simulation; a closure taken at
  /// a much larger σ (assembled through the stage API) must not, and the
  /// verdict must say so. At σ = 2 vs 0.5 the readout means differ by
  /// ~0.2 while the SE of 16 × 800 steps is ~0.01: |z| ≈ 20.
  func testVerdictFlagsDisagreeingClosure() throws {
    let k = try Self.checkpoint()
    let options = Self.options(schemes: [.chain])
    let agreeing = try NetworkAnalysis(checkpoint: k, input: [0.25], options: options)
    XCTAssertEqual(AnalysisVerdict(agreeing).closureAgreesWithSimulation, true, "\(AnalysisVerdict(agreeing).text)")

    let problem = try AnalysisProblem(checkpoint: k, input: [0.25])
    let net = problem.network
    let census = try net.findFixedPoints(largestSigma: 0.5, simulation: options.simulation, search: options.search, slowPointSpeed: nil)
    let branches = try net.continueBranches(from: census, sigmas: [0, 0.5])
    let start = try XCTUnwrap(branches.reference.point(at: 0.5)).h
    let wrongClosure = net.closure(sigma: 2, start: start)
    XCTAssertNotNil(wrongClosure.closure)
    let simulated = try net.simulate(sigma: 0.5, start: start, closure: nil, schemes: [.chain], options: options.simulation)
    let level = NetworkAnalysis.Level(
      sigma: 0.5, meanField: branches.reference.point(at: 0.5), closure: wrongClosure, simulated: simulated,
      reference: census.reference, target: problem.target)
    let a = NetworkAnalysis(problem: problem, options: options, census: census, branches: branches, levels: [level])
    let verdict = AnalysisVerdict(a)
    XCTAssertEqual(verdict.closureAgreesWithSimulation, false)
    XCTAssertTrue(verdict.text.contains("(NOT within 3 SE)"), verdict.text)
    XCTAssertEqual(AnalysisReport(a, path: "x").verdict, verdict.text)
  }

  /// The verdict's sentence from hand-made numbers.
  func testVerdictText() {
    let resolved = AnalysisVerdict(
      placement: .inside, sigmaTrain: 0.5, optimumSigma: 0.5,
      bias: .init(sigma: 0.5, simulated: 0.1, standardError: 0.01, closure: 0.05, meanField: nil), worstZ: 1.5)
    XCTAssertEqual(
      resolved.text,
      "optimum at sigma_test = 0.5 = sigma_train (sigma_train = 0.5); "
        + "noise-in readout bias at sigma = 0.5: 0.1 +- 0.01 (simulated), 0.05 (Gaussian closure, 50.0% off); "
        + "closure vs simulation: max |z| = 1.50 (within 3 SE)")
    XCTAssertEqual(resolved.closureAgreesWithSimulation, true)
    // A bias within 3 SE of zero: no relative miss is claimed.
    let unresolved = AnalysisVerdict(
      placement: .outside, sigmaTrain: 0, optimumSigma: nil,
      bias: .init(sigma: 1, simulated: 0.01, standardError: 0.01, closure: 0.02, meanField: 0), worstZ: 3.5)
    XCTAssertEqual(
      unresolved.text,
      "noise-out readout bias at sigma = 1: 0.01 +- 0.01 (simulated), 0.02 (Gaussian closure), 0 (mean-field); "
        + "closure vs simulation: max |z| = 3.50 (NOT within 3 SE)")
    XCTAssertEqual(unresolved.closureAgreesWithSimulation, false)
  }

  /// `--out` renders these six files, the JSON among them exactly as `--json` prints it.
  func testFileSet() throws {
    let a = try NetworkAnalysis(checkpoint: Self.checkpoint(), input: [0.25], options: Self.options(schemes: [.chain]))
    let report = AnalysisReport(a, path: "tiny.ckpt")
    let files = try report.files()
    XCTAssertEqual(
      files.map(\.name), ["report.json", "report.md", "report.tex", "noise_levels.csv", "fixed_points.csv", "branch.csv"])
    XCTAssertEqual(files[0].contents, try JSONOutput.string(report) + "\n")
    XCTAssertTrue(files[3].contents.hasPrefix("sigma,output,method,readout_mean,readout_se,readout_variance\n"))
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try ReportFiles.write(files, to: dir)
    for f in files {
      XCTAssertEqual(try String(contentsOfFile: (dir as NSString).appendingPathComponent(f.name), encoding: .utf8), f.contents)
    }
  }
}
