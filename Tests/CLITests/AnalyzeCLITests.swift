import Foundation
import XCTest

/// `fixedpoints analyze` as a user runs it, with CLITests' subprocess runner
/// (`run`, `json`). The methods live on CLITests, so filter them with
/// `--filter CLITests/testAnalyze`.
///
/// Ensembles are small (a few thousand chain steps) except where a default
/// or a statistical bound is the point; a release-build run then takes well
/// under a second. The scientific bounds are justified against the
/// independent NumPy estimates of scripts/make_default_models.py (Data/README.md,
/// u = 0.5, 2000 trajectories x 4000 steps of the exact chain):
///
/// | | noise-in | noise-out |
/// | --- | --- | --- |
/// | deterministic fixed point, readout | 0.891244 | 1.035060 |
/// | stationary readout, sigma = 0.5 | 0.963272 +- 0.000078 | 1.022773 +- 0.000097 |
/// | noise-induced bias, sigma = 0.5 | +0.0720 | -0.0123 |
extension CLITests {
  // MARK: - Helpers

  /// The package root, from this file's path (…/Tests/CLITests/AnalyzeCLITests.swift).
  static let analyzePackageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// A bundled checkpoint by absolute path, so that no test depends on the
  /// working directory (except the ones about the default model, which set it).
  static func analyzeModel(_ placement: String) -> String {
    analyzePackageRoot.appendingPathComponent("Data/numpy/function-relu-noise-\(placement).ckpt").path
  }

  /// The bundled default models (trained by `fixedpoints train`,
  /// scripts/make_bundled_models.sh): what `analyze` with no argument reads.
  static func bundledModel(_ placement: String) -> String {
    analyzePackageRoot.appendingPathComponent("Data/function-relu-noise-\(placement).ckpt").path
  }

  /// Small and fast: one noisy level, a short ensemble, few random starts.
  static let analyzeSmall = [
    "--sigma-test", "0,0.5", "--trajectories", "8", "--steps", "400", "--burn-in", "100", "--starts", "4",
  ]

  /// A number from JSONSerialization, whichever type it bridged to.
  func analyzeNumber(_ any: Any?) -> Double? {
    if let d = any as? Double { return d }
    if let i = any as? Int { return Double(i) }
    if let n = any as? NSNumber { return n.doubleValue }
    return nil
  }

  func analyzeNumbers(_ any: Any?, file: StaticString = #filePath, line: UInt = #line) throws -> [Double] {
    let array = try XCTUnwrap(any as? [Any], "not an array: \(any as Any)", file: file, line: line)
    return try array.map { try XCTUnwrap(analyzeNumber($0), "not a number: \($0)", file: file, line: line) }
  }

  /// Runs analyze with `--json`, checks exit 0, empty stderr and exactly one
  /// line on stdout, and returns the parsed object.
  func analyzeJSON(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let r = try run(["analyze"] + arguments + ["--json"], file: file, line: line)
    XCTAssertEqual(r.status, 0, "\(arguments): \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stderr, "", "stderr is not a terminal: no progress lines", file: file, line: line)
    XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, "one JSON object on one line", file: file, line: line)
    return try json(r, file: file, line: line)
  }

  func analyzeLevels(_ report: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
    try XCTUnwrap(report["noise_levels"] as? [[String: Any]], "no noise_levels array", file: file, line: line)
  }

  /// The level at `sigma` (exactly as printed).
  func analyzeLevel(_ report: [String: Any], sigma: Double, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let levels = try analyzeLevels(report, file: file, line: line)
    return try XCTUnwrap(levels.first { analyzeNumber($0["sigma"]) == sigma }, "no level at sigma = \(sigma)", file: file, line: line)
  }

  /// Exit 2, nothing on stdout, exactly one stderr line "fixedpoints: error: …"
  /// containing every fragment (the option or the problem it names).
  func assertAnalyzeRejected(
    _ arguments: [String], naming fragments: String..., file: StaticString = #filePath, line: UInt = #line
  ) throws {
    try assertRejected(["analyze"] + arguments, namingAll: fragments, file: file, line: line)
  }

  /// A fresh directory, removed after the test.
  func analyzeTemporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixedpoints-analyze-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
  }

  /// Runs `body` with the working directory at `dir`; the subprocess
  /// inherits it (the runner does not set one). XCTest runs tests one at a
  /// time, and the previous directory is restored before returning.
  func analyzeInDirectory<T>(_ dir: URL, _ body: () throws -> T) throws -> T {
    let fm = FileManager.default
    let previous = fm.currentDirectoryPath
    XCTAssert(fm.changeCurrentDirectoryPath(dir.path), "cannot cd to \(dir.path)")
    defer { fm.changeCurrentDirectoryPath(previous) }
    return try body()
  }

  // MARK: - The bundled model

  /// `fixedpoints analyze` with no argument at all, from the package root:
  /// the bundled noise-in model, the default grid sigma = 0, 0.1, …, 1 and
  /// the default ensemble. The defaults are the point here, so this is the
  /// one full-size run (under 2 s in release).
  func testAnalyzeWithNoArgumentAnalyzesTheBundledModel() throws {
    let r = try analyzeInDirectory(Self.analyzePackageRoot) { try run(["analyze"]) }
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stderr, "")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    let summary = try XCTUnwrap(lines.first)
    XCTAssert(summary.hasPrefix("Data/function-relu-noise-in.ckpt: 32 relu units, noise-in"), summary)
    XCTAssert(r.stdout.contains("64 trajectories x 2000 steps, first 400 discarded"), r.stdout)
    // One row per default sigma_test in the stationary table.
    for sigma in ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"] {
      XCTAssertEqual(lines.filter { $0.hasPrefix(sigma + " ") }.count, 1, "row sigma_test = \(sigma): \(r.stdout)")
    }
    XCTAssert(lines.contains { $0.hasPrefix("verdict: ") }, r.stdout)
  }

  /// Where the default comes from: `Data/` in the working directory first,
  /// else the package the binary was built from; and with no argument the
  /// numbers are those of the explicit path.
  func testAnalyzeFindsTheBundledModelFromAnyDirectory() throws {
    // An empty working directory: the fallback next to the package.
    let empty = try analyzeTemporaryDirectory()
    let fallback = try analyzeInDirectory(empty) { try analyzeJSON(Self.analyzeSmall) }
    let model = try XCTUnwrap(fallback["model"] as? [String: Any])
    let path = try XCTUnwrap(model["path"] as? String)
    XCTAssert(path.hasSuffix("Data/function-relu-noise-in.ckpt"), path)
    XCTAssert(FileManager.default.fileExists(atPath: path), "reported path \(path) does not exist")
    XCTAssertEqual(model["noise"] as? String, "in")
    XCTAssertEqual(model["activation"] as? String, "relu")
    XCTAssertEqual(model["hidden"] as? Int, 32)

    // The same numbers as naming the file (everything but the path).
    var explicit = try analyzeJSON([Self.bundledModel("in")] + Self.analyzeSmall)
    var implicit = fallback
    explicit["model"] = nil
    implicit["model"] = nil
    XCTAssertEqual(NSDictionary(dictionary: implicit), NSDictionary(dictionary: explicit))

    // A Data/ directory in the working directory wins: put the noise-out
    // network there under the default name and it is the one analysed.
    let local = try analyzeTemporaryDirectory()
    try FileManager.default.createDirectory(at: local.appendingPathComponent("Data"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: Self.bundledModel("out"), toPath: local.appendingPathComponent("Data/function-relu-noise-in.ckpt").path)
    let shadowed = try analyzeInDirectory(local) { try analyzeJSON(Self.analyzeSmall) }
    let shadowModel = try XCTUnwrap(shadowed["model"] as? [String: Any])
    XCTAssertEqual(shadowModel["path"] as? String, "Data/function-relu-noise-in.ckpt")
    XCTAssertEqual(shadowModel["noise"] as? String, "out", "the working directory's Data/ was not used")
  }

  /// Without --sigma-test the grid is 0, 0.1, …, 1.0, printed as those
  /// decimals (not 0.30000000000000004).
  func testAnalyzeDefaultSigmaGrid() throws {
    let o = try analyzeJSON([Self.analyzeModel("in"), "--trajectories", "8", "--steps", "400", "--burn-in", "100", "--starts", "4"])
    let sigmas = try analyzeLevels(o).map { try XCTUnwrap(analyzeNumber($0["sigma"])) }
    XCTAssertEqual(sigmas, (0...10).map { Double($0) / 10 })
  }

  // MARK: - --json

  func testAnalyzeJSONHasTheDocumentedKeys() throws {
    let o = try analyzeJSON([Self.analyzeModel("in")] + Self.analyzeSmall)
    for key in ["model", "fixed_points", "noise_levels", "verdict"] {
      XCTAssertNotNil(o[key], "missing \(key)")
    }
    XCTAssertFalse(try XCTUnwrap(o["verdict"] as? String).isEmpty)

    let model = try XCTUnwrap(o["model"] as? [String: Any])
    XCTAssertEqual(model["path"] as? String, Self.analyzeModel("in"))
    XCTAssertEqual(try analyzeNumbers(model["input"]), [0.5], "the function task's default input")

    let points = try XCTUnwrap(o["fixed_points"] as? [[String: Any]])
    XCTAssertFalse(points.isEmpty, "no fixed point")
    for p in points {
      XCTAssertEqual(try analyzeNumbers(p["h"]).count, 16)
      let residual = try XCTUnwrap(analyzeNumber(p["residual"]))
      let radius = try XCTUnwrap(analyzeNumber(p["spectral_radius"]))
      XCTAssert(residual >= 0 && residual < 1e-8, "residual \(residual)")
      XCTAssert(radius >= 0, "spectral radius \(radius)")
      let stable = try XCTUnwrap(p["stable"] as? Bool)
      XCTAssertEqual(stable, radius < 1, "stable iff the linearised map contracts")
    }

    let levels = try analyzeLevels(o)
    XCTAssertEqual(try levels.map { try XCTUnwrap(analyzeNumber($0["sigma"])) }, [0, 0.5], "the sigmas asked for")
    for level in levels {
      for key in [
        "sigma", "analytic_mean_field", "analytic_closure", "simulated_mean", "simulated_se", "bias", "z", "output_error",
      ] where !(key == "z" && analyzeNumber(level["sigma"]) == 0) {
        XCTAssertNotNil(level[key], "sigma = \(level["sigma"] ?? "?"): missing \(key)")
      }
    }
    // At sigma = 0 the "stationary law" is the reference fixed point itself:
    // the bias is exactly 0 and there is nothing to estimate.
    let zero = try analyzeLevel(o, sigma: 0)
    XCTAssertEqual(try analyzeNumbers(zero["bias"]), [0])
    XCTAssertEqual(try analyzeNumbers(zero["simulated_se"]), [0])
    // The reference readout agrees with NumPy's deterministic fixed point,
    // 0.891244 (printed to 6 decimals: rounding <= 5e-7).
    XCTAssertEqual(try analyzeNumbers(zero["simulated_mean"])[0], 0.891244, accuracy: 1e-6)
    let half = try analyzeLevel(o, sigma: 0.5)
    XCTAssertGreaterThan(try analyzeNumbers(half["simulated_se"])[0], 0)
    XCTAssertEqual(try analyzeNumbers(half["z"]).count, 1)
  }

  func testAnalyzeRangeSyntax() throws {
    var args = [Self.analyzeModel("in")] + Self.analyzeSmall
    args[args.firstIndex(of: "0,0.5")!] = "0:1:0.5"
    let sigmas = try analyzeLevels(try analyzeJSON(args)).map { try XCTUnwrap(analyzeNumber($0["sigma"])) }
    XCTAssertEqual(sigmas, [0, 0.5, 1])
  }

  // MARK: - Science

  /// Noise inside relu shifts the stationary readout up at first order in
  /// sigma^2 (E relu(x + sigma xi) > relu(x)); noise outside shifts it only
  /// through the state's fluctuations, a much smaller effect.
  ///
  /// Ensembles: 32 trajectories x 1600 recorded steps (every 4th kept). The
  /// standard error is then ~0.001 for either model (measured: 0.0011 and
  /// 0.0013; NumPy's 0.000078 for 8e6 samples scales to ~0.001 for 5e4).
  func testAnalyzeNoiseInsideBiasesTheReadoutAndNoiseOutsideHardlyDoes() throws {
    let ensemble = ["--sigma-test", "0,0.5", "--trajectories", "32", "--steps", "2000", "--burn-in", "400", "--starts", "4"]
    let inside = try analyzeLevel(try analyzeJSON([Self.analyzeModel("in")] + ensemble), sigma: 0.5)
    let outside = try analyzeLevel(try analyzeJSON([Self.analyzeModel("out")] + ensemble), sigma: 0.5)

    let biasIn = try analyzeNumbers(inside["bias"])[0], seIn = try analyzeNumbers(inside["simulated_se"])[0]
    let meanIn = try analyzeNumbers(inside["simulated_mean"])[0]
    // NumPy: +0.0720 +- 0.0001, i.e. ~70 of our SEs. Above 10 SE fails only if
    // the shift were mostly missing or the SE overstated by ~7x.
    XCTAssertGreaterThan(biasIn, 0)
    XCTAssertGreaterThan(biasIn, 10 * seIn, "bias \(biasIn) +- \(seIn)")
    // And the simulated mean is NumPy's 0.963272 +- 0.000078 within 5
    // combined SE (independent simulations of the same chain).
    let combinedIn = (seIn * seIn + 0.000078 * 0.000078).squareRoot()
    XCTAssertLessThan(abs(meanIn - 0.963272), 5 * combinedIn, "noise-in readout \(meanIn) +- \(seIn) vs NumPy 0.963272")

    // Closure vs simulation: the closure's readout (0.96335) differs from
    // NumPy's chain by ~0.0001, a tenth of our SE, so z is essentially
    // Monte-Carlo noise ~N(0, 1); |z| < 4 leaves room for that (and for
    // the SE's own ~15% uncertainty from 32 trajectories).
    let z = try analyzeNumbers(inside["z"])[0]
    XCTAssertLessThan(abs(z), 4, "closure vs simulation z = \(z)")

    // Noise-out: NumPy -0.0123 +- 0.0001, 5.9x smaller than noise-in's
    // +0.0720. With SEs ~0.001 on both, even a 4-SE error on each (|out|
    // 0.017, in 0.068) keeps the ratio above 3 (3 x 0.017 = 0.051 < 0.068).
    let biasOut = try analyzeNumbers(outside["bias"])[0], seOut = try analyzeNumbers(outside["simulated_se"])[0]
    let meanOut = try analyzeNumbers(outside["simulated_mean"])[0]
    XCTAssertLessThanOrEqual(3 * abs(biasOut), abs(biasIn), "noise-out bias \(biasOut) vs noise-in \(biasIn)")
    let combinedOut = (seOut * seOut + 0.000097 * 0.000097).squareRoot()
    XCTAssertLessThan(abs(meanOut - 1.022773), 5 * combinedOut, "noise-out readout \(meanOut) +- \(seOut) vs NumPy 1.022773")
    // Its deterministic fixed point: NumPy 1.035060 (6 decimals).
    let zeroOut = try analyzeLevel(try analyzeJSON([Self.analyzeModel("out")] + Self.analyzeSmall), sigma: 0)
    XCTAssertEqual(try analyzeNumbers(zeroOut["simulated_mean"])[0], 1.035060, accuracy: 1e-6)
  }

  /// EM and Milstein integrate the diffusion approximation, which matches
  /// the chain's one-step mean and variance; what remains is higher order in
  /// dt. At the default ensemble (64 x 2000) their readout means agree with
  /// the chain's within 5 combined SE.
  func testAnalyzeSchemesAgreeWithTheChain() throws {
    let ensemble = ["--sigma-test", "0,0.5", "--trajectories", "64", "--steps", "2000", "--burn-in", "400", "--starts", "4"]
    let o = try analyzeJSON([Self.analyzeModel("in")] + ensemble + ["--schemes", "chain,em,milstein"])
    XCTAssertEqual((try analyzeLevel(o, sigma: 0)["schemes"] as? [Any])?.count, 0, "nothing to simulate at sigma = 0")
    let level = try analyzeLevel(o, sigma: 0.5)
    let schemes = try XCTUnwrap(level["schemes"] as? [[String: Any]])
    XCTAssertEqual(schemes.map { $0["scheme"] as? String }, ["chain", "em", "milstein"])
    let chain = schemes[0]
    XCTAssertNil(chain["z_vs_chain"], "the chain is not compared with itself")
    let chainMean = try analyzeNumbers(chain["readout_mean"])[0], chainSE = try analyzeNumbers(chain["readout_se"])[0]
    // The first scheme drives the table.
    XCTAssertEqual(try analyzeNumbers(level["simulated_mean"])[0], chainMean)
    for s in schemes.dropFirst() {
      let name = s["scheme"] as? String ?? "?"
      let mean = try analyzeNumbers(s["readout_mean"])[0], se = try analyzeNumbers(s["readout_se"])[0]
      let z = try analyzeNumbers(s["z_vs_chain"])[0]
      let combined = (se * se + chainSE * chainSE).squareRoot()
      // z_vs_chain is (scheme − chain)/combined SE, as documented.
      XCTAssertEqual(z, (mean - chainMean) / combined, accuracy: 1e-9 * max(1, abs(z)), name)
      XCTAssertLessThan(abs(z), 5, "\(name) \(mean) +- \(se) vs chain \(chainMean) +- \(chainSE)")
    }

    // The report's ensembles share the seed, so trajectory j of every scheme
    // draws the same normals: their difference is not two independent
    // errors, and the combined SE above overstates its spread. Independent
    // ensembles (different seeds, one scheme each) make the comparison a
    // real one.
    func alone(_ scheme: String, seed: String) throws -> (Double, Double) {
      let level = try analyzeLevel(
        try analyzeJSON([Self.analyzeModel("in")] + ensemble + ["--schemes", scheme, "--seed", seed]), sigma: 0.5)
      return (try analyzeNumbers(level["simulated_mean"])[0], try analyzeNumbers(level["simulated_se"])[0])
    }
    let (c, cSE) = try alone("chain", seed: "101")
    for (scheme, seed) in [("em", "102"), ("milstein", "103")] {
      let (m, mSE) = try alone(scheme, seed: seed)
      let z = (m - c) / (mSE * mSE + cSE * cSE).squareRoot()
      XCTAssertLessThan(abs(z), 5, "\(scheme) (seed \(seed)) \(m) +- \(mSE) vs chain (seed 101) \(c) +- \(cSE): z = \(z)")
    }
  }

  // MARK: - Reproducibility

  func testAnalyzeIsReproducibleAndIndependentOfThreads() throws {
    // 48 trajectories = 3 chunks of 16, so two threads really split the work.
    let args = [Self.analyzeModel("in"), "--sigma-test", "0,0.5", "--trajectories", "48", "--steps", "400", "--burn-in", "100",
      "--starts", "4", "--seed", "7"]
    let first = try run(["analyze"] + args), second = try run(["analyze"] + args)
    XCTAssertEqual(first.status, 0, first.stderr)
    XCTAssertEqual(first.stdoutData, second.stdoutData, "same seed, different bytes")

    let one = try run(["analyze"] + args + ["--threads", "1", "--json"])
    let two = try run(["analyze"] + args + ["--threads", "2", "--json"])
    XCTAssertEqual(one.status, 0, one.stderr)
    XCTAssertEqual(two.status, 0, two.stderr)
    XCTAssertEqual(one.stdoutData, two.stdoutData, "--threads 1 and --threads 2 differ")

    // The seed is used: another one gives another ensemble.
    var other = args
    other[other.firstIndex(of: "7")!] = "8"
    XCTAssertNotEqual(try run(["analyze"] + other).stdoutData, first.stdoutData)
  }

  // MARK: - Formats and files

  func testAnalyzeTableFormats() throws {
    let base = ["analyze", Self.analyzeModel("in")] + Self.analyzeSmall

    let terminal = try run(base)
    XCTAssertEqual(terminal.status, 0, terminal.stderr)
    XCTAssert(terminal.stdout.contains("sigma_test") && terminal.stdout.contains("verdict: "), terminal.stdout)
    // No Markdown rows (the verdict's "max |z|" is prose, not a table).
    XCTAssertFalse(terminal.stdout.split(separator: "\n").contains { $0.hasPrefix("|") }, terminal.stdout)

    let markdown = try run(base + ["--format", "markdown"])
    XCTAssertEqual(markdown.status, 0, markdown.stderr)
    XCTAssert(markdown.stdout.contains("| sigma_test |"), markdown.stdout)
    XCTAssert(markdown.stdout.contains("| :--- |"), markdown.stdout)

    let csv = try run(base + ["--format", "csv"])
    XCTAssertEqual(csv.status, 0, csv.stderr)
    XCTAssert(csv.stdout.contains("sigma_test,"), csv.stdout)
    XCTAssertFalse(csv.stdout.split(separator: "\n").contains { $0.hasPrefix("|") }, csv.stdout)
    // Two tables separated by one blank line; inside each, every row has its
    // header's number of fields (no stray commas in cells).
    let tables = csv.stdout.components(separatedBy: "\n\n").map { $0.split(separator: "\n") }
    XCTAssertEqual(tables.count, 2, csv.stdout)
    for rows in tables {
      let width = rows.first?.split(separator: ",", omittingEmptySubsequences: false).count
      XCTAssert(rows.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == width }, csv.stdout)
    }

    let latex = try run(base + ["--format", "latex"])
    XCTAssertEqual(latex.status, 0, latex.stderr)
    // The level table is a paper table: a math header, value(SE) entries.
    for piece in ["\\begin{tabular}", "\\toprule", "\\midrule", "\\bottomrule", "{$\\sigma_\\text{test}$}", "S[table-format="] {
      XCTAssert(latex.stdout.contains(piece), "missing \(piece): \(latex.stdout)")
    }

    try assertAnalyzeRejected([Self.analyzeModel("in"), "--json", "--format", "csv"], naming: "--json", "--format")
  }

  func testAnalyzeOutWritesTheReportFiles() throws {
    // The directory is created (its parent must exist, as for every output).
    let dir = try analyzeTemporaryDirectory().appendingPathComponent("report")
    let r = try run(["analyze", Self.analyzeModel("in")] + Self.analyzeSmall + ["--out", dir.path, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let files = ["branch.csv", "fixed_points.csv", "noise_levels.csv", "report.json", "report.md", "report.tex"]
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), files, "exactly these, no temporaries")
    func text(_ name: String) throws -> String { try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) }

    // report.json is what --json printed.
    XCTAssertEqual(try text("report.json"), r.stdout)
    let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try text("report.json").utf8)) as? [String: Any])
    XCTAssertNotNil(report["noise_levels"])
    XCTAssert(try text("report.md").contains("| sigma_test |"))
    XCTAssert(try text("report.tex").contains("\\toprule"))

    let model = try XCTUnwrap(report["model"] as? [String: Any])
    let hidden = try XCTUnwrap(model["hidden"] as? Int), outputs = try XCTUnwrap(model["outputs"] as? Int)
    let readouts = (0..<outputs).map { "readout_\($0)" }, states = (0..<hidden).map { "h_\($0)" }
    func rows(_ name: String) throws -> [[Substring]] {
      try text(name).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }
    func check(_ name: String, header: [String], count: Int) throws {
      let table = try rows(name)
      XCTAssertEqual(table.first.map { $0.map(String.init) }, header, name)
      XCTAssertEqual(table.count, 1 + count, "\(name): rows")
      XCTAssert(table.allSatisfy { $0.count == header.count }, "\(name): ragged rows")
    }
    // One row per (sigma, output, method): mean_field, small_noise, closure,
    // and the fixed point at sigma = 0 or one per scheme (chain only here) above.
    try check(
      "noise_levels.csv", header: ["sigma", "output", "method", "readout_mean", "readout_se", "readout_variance"],
      count: 2 * outputs * 4)
    let points = try XCTUnwrap(report["fixed_points"] as? [Any]).count
    try check(
      "fixed_points.csv", header: ["index", "reference", "stable", "spectral_radius", "residual"] + readouts + states, count: points)
    let branch = try XCTUnwrap((report["branch"] as? [String: Any])?["points"] as? [Any]).count
    try check("branch.csv", header: ["sigma", "spectral_radius"] + readouts + states, count: branch)
    let methods = try rows("noise_levels.csv").dropFirst().map { "\($0[0]) \($0[2])" }
    XCTAssertEqual(methods, [
        "0.0 mean_field", "0.0 small_noise", "0.0 closure", "0.0 fixed_point", "0.5 mean_field", "0.5 small_noise",
        "0.5 closure", "0.5 chain",
      ])
  }

  // MARK: - Bad input

  func testAnalyzeBadInputExitsTwoWithOneLine() throws {
    let dir = try analyzeTemporaryDirectory()
    let model = Self.analyzeModel("in"), small = Self.analyzeSmall
    func replacing(_ option: String, with value: String) -> [String] {
      var args = [model] + small
      if let i = args.firstIndex(of: option) { args[i + 1] = value } else { args += [option, value] }
      return args
    }

    let missing = dir.appendingPathComponent("absent.ckpt").path
    try assertAnalyzeRejected([missing] + small, naming: missing, "No such file")
    // Three arbitrary bytes: shorter than safetensors' 8-byte length prefix.
    let garbage = dir.appendingPathComponent("garbage.ckpt")
    try Data([0x9f, 0x02, 0xc7]).write(to: garbage)
    try assertAnalyzeRejected([garbage.path] + small, naming: "malformed checkpoint", "8-byte header length")
    try assertAnalyzeRejected([dir.path] + small, naming: "not a regular file")

    try assertAnalyzeRejected(replacing("--sigma-test", with: "-1"), naming: "--sigma-test")
    try assertAnalyzeRejected(replacing("--sigma-test", with: "abc"), naming: "--sigma-test", "abc")
    try assertAnalyzeRejected(replacing("--sigma-test", with: "0,nan"), naming: "--sigma-test")
    try assertAnalyzeRejected(replacing("--input", with: "1,2"), naming: "--input")
    try assertAnalyzeRejected(replacing("--input", with: "nan"), naming: "--input")
    try assertAnalyzeRejected(replacing("--trajectories", with: "1"), naming: "--trajectories")
    try assertAnalyzeRejected(replacing("--burn-in", with: "400"), naming: "--burn-in")  // = --steps
    try assertAnalyzeRejected(replacing("--burn-in", with: "500"), naming: "--burn-in")  // > --steps
    try assertAnalyzeRejected(replacing("--schemes", with: "foo"), naming: "--schemes", "foo")
    try assertAnalyzeRejected(replacing("--threads", with: "0"), naming: "--threads")
    try assertAnalyzeRejected(replacing("--starts", with: "-1"), naming: "--starts")
    // --sigma is the one-neuron commands' flag: the error points to --sigma-test.
    try assertAnalyzeRejected([model] + small + ["--sigma", "0.5"], naming: "Unknown option '--sigma'", "did you mean --sigma-test")
    // --out onto an existing file: refused before anything is printed.
    try assertAnalyzeRejected(replacing("--out", with: garbage.path), naming: "--out")
    try assertAnalyzeRejected([model] + small + ["-o", garbage.path], naming: "--out")
  }

  /// Fewer recorded steps than the (fixed, internal) thinning of 4: the
  /// message must name options the user can type, --steps or --burn-in.
  func testAnalyzeTooFewStepsAfterBurnInNamesAUserOption() throws {
    let r = try run(["analyze", Self.analyzeModel("in"), "--sigma-test", "0.5", "--steps", "5", "--burn-in", "3"])
    XCTAssertEqual(r.status, 2, r.stderr)
    XCTAssertEqual(r.stdout, "")
    XCTAssert(r.stderr.contains("--steps") || r.stderr.contains("--burn-in"), "names no option of analyze: \(r.stderr)")
  }
}
