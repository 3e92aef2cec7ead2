import ArgumentParser
import CTRNN
import Foundation
import Reports

/// The `analyze` report: its JSON shape (field names are the issue's), the
/// tables for terminal/Markdown/CSV/LaTeX, and the files `--out` writes.
struct AnalysisReport: Encodable {
  struct Model: Encodable {
    var path: String
    var hidden, inputs, outputs: Int
    var activation, noise: String
    var sigma_train, dt, tau, gamma: Double
    var task, target_formula, seed: String?
    var loss: Double?
    var input: [Double]
    var target: [Double]?
  }
  struct FixedPoint: Encodable {
    var h: [Double]
    var residual, spectral_radius: Double
    var stable: Bool
    var readout: [Double]
    var reference: Bool
    /// Where the mean-field branch continued from this point ends (nil: it
    /// reaches the largest sigma_test), and why.
    var branch_ended_at: Double?
    var branch_end_reason: String?
  }
  struct Slow: Encodable {
    var h, readout: [Double]
    var q, gradient_norm: Double
  }
  struct BranchPoint: Encodable {
    var sigma: Double
    var h, readout: [Double]
    var spectral_radius: Double
  }
  struct Branch: Encodable {
    var points: [BranchPoint]
    var ended_at: Double?
    var end_reason: String?
  }
  struct SchemeEstimate: Encodable {
    var scheme: String
    var readout_mean, readout_se, readout_variance: [Double]
    var z_vs_chain: [Double]?
  }
  struct Level: Encodable {
    var sigma: Double
    var analytic_mean_field: [Double]?
    var analytic_closure: [Double]?
    var closure_readout_variance: [Double]?
    var closure_failure: String?
    var simulated_mean, simulated_se, bias: [Double]
    var analytic_bias: [Double]?
    var z: [Double]?
    var output_error, output_error_closure: Double?
    var schemes: [SchemeEstimate]
  }

  var model: Model
  var fixed_points: [FixedPoint]
  /// nil unless --slow-points was given.
  var slow_points: [Slow]?
  var branch: Branch
  var noise_levels: [Level]
  var optimum_sigma: Double?
  var worst_z: Double?
  var verdict: String
  var methods: [String: String]

  init(_ a: NetworkAnalysis, path: String) {
    let k = a.checkpoint
    model = Model(
      path: path, hidden: k.hiddenSize, inputs: k.inputSize, outputs: k.outputSize, activation: k.activation.rawValue,
      noise: k.noise.label, sigma_train: k.sigmaTrain, dt: k.dt, tau: k.tau, gamma: k.gamma, task: k.task,
      target_formula: a.task?.formula, seed: k.seed, loss: k.loss, input: a.network.input, target: a.target)
    fixed_points = zip(a.fixedPoints, a.branches).map { p, b in
      FixedPoint(
        h: p.h, residual: p.residual, spectral_radius: p.spectralRadius, stable: p.stable, readout: p.readout,
        reference: p.h == a.reference.h, branch_ended_at: b.endedAt, branch_end_reason: b.endReason)
    }
    slow_points = a.options.slowPointSpeed == nil
      ? nil : a.slowPoints.map { Slow(h: $0.h, readout: $0.readout, q: $0.speed, gradient_norm: $0.gradientNorm) }
    branch = Branch(
      points: a.branch.points.map { BranchPoint(sigma: $0.sigma, h: $0.h, readout: $0.readout, spectral_radius: $0.spectralRadius) },
      ended_at: a.branch.endedAt, end_reason: a.branch.endReason)
    noise_levels = a.levels.map { l in
      let chain = l.simulated.first { $0.scheme == .chain }
      return Level(
        sigma: l.sigma, analytic_mean_field: l.meanField, analytic_closure: l.closure?.readoutMean,
        closure_readout_variance: l.closure?.readoutVariance, closure_failure: l.closureFailure,
        simulated_mean: l.simulatedMean, simulated_se: l.simulatedStandardError, bias: l.bias,
        analytic_bias: l.closure.map { zip($0.readoutMean, a.reference.readout).map { $0 - $1 } }, z: l.z,
        output_error: l.outputError, output_error_closure: l.outputErrorClosure,
        schemes: l.simulated.map { AnalysisReport.schemeEstimate($0, chain: chain) })
    }
    optimum_sigma = a.optimum?.sigma
    worst_z = a.worstZ
    verdict = a.verdict
    let o = a.options.simulation
    methods = [
      "fixed_points": "GSL hybridsj (analytic Jacobian) from \(a.options.search.randomStarts) random starts, the state reached from h = 0 and simulated states; deduplicated; stability from the eigenvalues of (1-g)I + g diag(f') W",
      "analytic_mean_field": a.checkpoint.noise == .inside
        ? "h = E f(Wh + c + sigma xi) by hybridsj with closed-form/quadrature Gaussian moments, continued in sigma (steps <= 0.05) from the reference fixed point"
        : "noise outside f leaves the mean-field point at the deterministic fixed point",
      "analytic_closure": "Gaussian closure h ~ N(m, C): m = E f(x), C = A C A^T + Q (Smith doubling), iterated to a relative change < 1e-12",
      "simulated_mean": "exact discrete chain, \(o.trajectories) trajectories x \(o.steps) steps, first \(o.burnIn) discarded, started at the closure mean; SE by batch means over independent trajectories; noise stream j of seed \(o.seed) for trajectory j",
      "schemes": "em/milstein: the diffusion approximation (drift (m - h)/tau, diffusion sqrt(dt v)/tau) at step dt; the k-th scheme of --schemes uses seed + k (independent noise); z_vs_chain = difference / combined SE",
      "bias": "simulated readout minus the readout of the sigma = 0 reference fixed point",
      "z": "(simulated - closure)/SE of the simulated mean; |z| <= 3 is agreement within Monte-Carlo error",
      "output_error": "mean over outputs of (E z - target)^2 + Var z, from the simulated mean and covariance (output_error_closure: from the closure's)",
    ]
  }

  /// One scheme's readout, with its z-score against the chain's (both
  /// standard errors combined: each scheme runs on its own seed, seed + its
  /// position in --schemes, so the ensembles are independent).
  static func schemeEstimate(_ e: NetworkStationaryEstimate, chain: NetworkStationaryEstimate?) -> SchemeEstimate {
    var z: [Double]?
    if let c = chain, e.scheme != .chain {
      z = (0..<e.readoutMean.count).map { o -> Double in
        let se2 = e.readoutStandardError[o] * e.readoutStandardError[o] + c.readoutStandardError[o] * c.readoutStandardError[o]
        return (e.readoutMean[o] - c.readoutMean[o]) / se2.squareRoot()
      }
    }
    return SchemeEstimate(
      scheme: e.scheme.rawValue, readout_mean: e.readoutMean, readout_se: e.readoutStandardError,
      readout_variance: e.readoutVariance, z_vs_chain: z)
  }

  // MARK: Tables

  func fixedPointTable() -> Table {
    var t = Table(
      columns: ["fixed point", "stable", "spectral radius", "residual", "readout", "mean-field branch"],
      caption: "Deterministic fixed points at u = \(list(model.input))")
    for (i, p) in fixed_points.enumerated() {
      t.append([
        "\(i)\(p.reference ? " (reference)" : "")", p.stable ? "yes" : "no", String(format: "%.6f", p.spectral_radius),
        String(format: "%.1e", p.residual), list(p.readout),
        p.branch_ended_at.map { "ends at sigma = \(NumberList.tidy($0))" } ?? "to sigma = \(NumberList.tidy(noise_levels.last?.sigma ?? 0))",
      ])
    }
    for (i, p) in (slow_points ?? []).enumerated() {
      t.append(["slow point \(i)", "-", "-", String(format: "q = %.1e", p.q), list(p.readout), ""])
    }
    return t
  }

  func levelTable() -> Table {
    var columns = ["sigma_test", "mean-field", "closure", "simulated", "SE", "bias", "z"]
    if model.target != nil { columns.append("output error") }
    var t = Table(
      columns: columns,
      caption: "Stationary readout at u = \(list(model.input))" + (model.target.map { ", target \(list($0))" } ?? ""))
    let outputs = model.outputs
    for l in noise_levels {
      for o in 0..<outputs {
        var row = [
          o == 0 ? NumberList.tidy(l.sigma).description : "",
          l.analytic_mean_field.map { fmt($0[o]) } ?? "-", l.analytic_closure.map { fmt($0[o]) } ?? "-",
          fmt(l.simulated_mean[o], se: l.simulated_se[o]), l.sigma == 0 ? "exact" : String(format: "%.2g", l.simulated_se[o]),
          fmt(l.bias[o], se: l.simulated_se[o]),
          l.z.map { String(format: "%+.2f", $0[o]) } ?? "-",
        ]
        // Three significant digits: the error carries the mean's Monte-Carlo
        // error (2|E z − y|·SE) and the variance's, which is not estimated.
        if model.target != nil { row.append(o == 0 ? (l.output_error.map { String(format: "%.3g", $0) } ?? "-") : "") }
        t.append(row)
      }
    }
    return t
  }

  func fmt(_ x: Double) -> String { String(format: "%.6f", x) }

  /// A simulated value to the digits its standard error supports: the
  /// decimal of the SE's second significant digit (0.99130 for SE 0.00068),
  /// so the table never prints Monte-Carlo noise as if it were a digit; 6
  /// decimals when exact (SE 0). JSON keeps every digit.
  func fmt(_ x: Double, se: Double) -> String {
    guard se > 0, se.isFinite else { return fmt(x) }
    let decimals = min(12, max(0, 1 - Int(log10(se).rounded(.down))))
    return String(format: "%.\(decimals)f", x)
  }
  func list(_ v: [Double]) -> String { v.map { "\($0)" }.joined(separator: ",") }

  var summary: String {
    var s = "\(model.path): \(model.hidden) \(model.activation) units, noise-\(model.noise), sigma_train = \(model.sigma_train), "
    s += "dt = \(model.dt), tau = \(model.tau), task = \(model.task ?? "unknown")"
    if let f = model.target_formula { s += " (target \(f))" }
    if let loss = model.loss { s += ", training loss \(loss)" }
    return s
  }

  func render(_ format: TableFormat) -> String {
    let tables = fixedPointTable().render(format) + "\n" + levelTable().render(format)
    switch format {
    case .csv: return tables
    case .markdown: return summary + "\n\n" + tables + "\n" + verdict + "\n"
    case .latex: return "% " + summary + "\n" + tables + "% " + verdict + "\n"
    case .terminal:
      var s = summary + "\n" + (branch.end_reason.map { "mean-field branch: \($0)\n" } ?? "") + "\n" + tables
      s += "simulated: \(methods["simulated_mean"]!)\n"
      s += "verdict: " + verdict + "\n"
      return s
    }
  }

  // MARK: Files

  /// report.json/.md/.tex and the CSVs a notebook reads, each written
  /// atomically into `dir` (created if missing).
  func write(to dir: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
      throw ValidationError("--out: cannot create directory \(dir): \(error.localizedDescription)")
    }
    func file(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
    try AtomicFile.write(try JSONOutput.string(self) + "\n", to: file("report.json"))
    try AtomicFile.write(render(.markdown), to: file("report.md"))
    try AtomicFile.write(render(.latex), to: file("report.tex"))
    try AtomicFile.write(noiseLevelsCSV(), to: file("noise_levels.csv"))
    try AtomicFile.write(fixedPointsCSV(), to: file("fixed_points.csv"))
    try AtomicFile.write(branchCSV(), to: file("branch.csv"))
  }

  /// Long format: one row per (sigma, output, method).
  func noiseLevelsCSV() -> String {
    var s = "sigma,output,method,readout_mean,readout_se,readout_variance\n"
    func num(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
    for l in noise_levels {
      for o in 0..<model.outputs {
        s += "\(l.sigma),\(o),mean_field,\(num(l.analytic_mean_field?[o])),,\n"
        s += "\(l.sigma),\(o),closure,\(num(l.analytic_closure?[o])),,\(num(l.closure_readout_variance?[o]))\n"
        if l.schemes.isEmpty { s += "\(l.sigma),\(o),fixed_point,\(l.simulated_mean[o]),0,0\n" }
        for e in l.schemes {
          s += "\(l.sigma),\(o),\(e.scheme),\(e.readout_mean[o]),\(e.readout_se[o]),\(e.readout_variance[o])\n"
        }
      }
    }
    return s
  }

  func fixedPointsCSV() -> String {
    var s = "index,reference,stable,spectral_radius,residual," + (0..<model.outputs).map { "readout_\($0)" }.joined(separator: ",")
    s += "," + (0..<model.hidden).map { "h_\($0)" }.joined(separator: ",") + "\n"
    for (i, p) in fixed_points.enumerated() {
      s += "\(i),\(p.reference),\(p.stable),\(p.spectral_radius),\(p.residual),"
      s += (p.readout + p.h).map { "\($0)" }.joined(separator: ",") + "\n"
    }
    return s
  }

  func branchCSV() -> String {
    var s = "sigma,spectral_radius," + (0..<model.outputs).map { "readout_\($0)" }.joined(separator: ",")
    s += "," + (0..<model.hidden).map { "h_\($0)" }.joined(separator: ",") + "\n"
    for p in branch.points {
      s += "\(p.sigma),\(p.spectral_radius)," + (p.readout + p.h).map { "\($0)" }.joined(separator: ",") + "\n"
    }
    return s
  }
}
