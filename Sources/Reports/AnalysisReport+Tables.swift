import Foundation

extension AnalysisReport {
  public func fixedPointTable() -> Table {
    var t = Table(
      columns: ["fixed point", "stable", "index", "spectral radius", "residual", "readout", "mean-field branch"],
      caption: "Deterministic fixed points at u = \(list(model.input))")
    for (i, p) in fixedPoints.enumerated() {
      t.append([
        "\(i)\(p.reference ? " (reference)" : "")", p.stable ? "yes" : "no", "\(p.index)", String(format: "%.6f", p.spectralRadius),
        String(format: "%.1e", p.residual), values(p.readout),
        p.branchEndedAt.map { "ends at sigma = \(Self.tidy($0))" } ?? "to sigma = \(Self.tidy(noiseLevels.last?.sigma ?? 0))",
      ])
    }
    for (i, p) in (slowPoints ?? []).enumerated() {
      t.append(["slow point \(i)", "-", "-", "-", String(format: "q = %.1e", p.q), values(p.readout), ""])
    }
    return t
  }

  public func levelTable() -> Table {
    var columns = ["sigma_test", "mean-field", "small-noise", "closure", "simulated", "SE", "bias", "z"]
    if model.target != nil { columns.append("output error") }
    var t = Table(
      columns: columns,
      caption: "Stationary readout at u = \(list(model.input))" + (model.target.map { ", target \(list($0))" } ?? ""))
    let outputs = model.outputs
    for l in noiseLevels {
      for o in 0..<outputs {
        var row = [
          o == 0 ? Self.tidy(l.sigma).description : "",
          l.analyticMeanField.map { fmt($0[o]) } ?? "-", l.analyticSmallNoise.map { fmt($0[o]) } ?? "-",
          l.analyticClosure.map { fmt($0[o]) } ?? "-",
          fmt(l.simulatedMean[o], se: l.simulatedSe[o]), l.sigma == 0 ? "exact" : String(format: "%.2g", l.simulatedSe[o]),
          fmt(l.bias[o], se: l.simulatedSe[o]),
          l.multistable?.referenceLeaves == true ? "leaves" : l.z.map { String(format: "%+.2f", $0[o]) } ?? "-",
        ]
        // Three significant digits: the error carries the mean's Monte-Carlo
        // error (2|E z − y|·SE) and the variance's, which is not estimated.
        if model.target != nil { row.append(o == 0 ? (l.outputError.map { String(format: "%.3g", $0) } ?? "-") : "") }
        t.append(row)
      }
    }
    return t
  }

  /// The level table for a paper (`--format latex`, report.tex): math
  /// headers, the simulated readout and bias as value(SE) by
  /// `Uncertainty.format`'s rule instead of a separate SE column, analytic
  /// values to 6 significant digits, numbers in siunitx `S` columns.
  public func levelPaperTable() -> PaperTable {
    typealias Column = PaperTable.Column
    var columns: [Column] = []
    if model.outputs > 1 { columns.append(Column(name: "output", latex: "output")) }
    columns += [
      Column(name: "sigma_test", display: "σ_test", latex: "$\\sigma_\\text{test}$"),
      Column(name: "mean-field", latex: "$\\bar z_\\text{MF}$"),
      Column(name: "small-noise", latex: "$\\bar z_\\text{SN}$"),
      Column(name: "closure", latex: "$\\bar z_\\text{closure}$"),
      Column(name: "simulated", latex: "$\\bar z_\\text{sim}$"),
      Column(name: "bias", latex: "$b_\\text{sim}$"),
      Column(name: "z", latex: "$z$"),
    ]
    if model.target != nil { columns.append(Column(name: "output error", latex: "$E_\\text{out}$")) }
    var t = PaperTable(
      columns: columns,
      caption: "Stationary readout at u = \(list(model.input))" + (model.target.map { ", target \(list($0))" } ?? ""))
    t.digits = 6
    func value(_ v: [Double]?, _ o: Int) -> PaperTable.Cell { v.map { .number($0[o]) } ?? .missing }
    for l in noiseLevels {
      for o in 0..<model.outputs {
        var row: [PaperTable.Cell] = model.outputs > 1 ? [.integer(o)] : []
        row += [
          .number(Self.tidy(l.sigma)), value(l.analyticMeanField, o), value(l.analyticSmallNoise, o),
          value(l.analyticClosure, o), .measured(l.simulatedMean[o], se: l.simulatedSe[o]),
          .measured(l.bias[o], se: l.simulatedSe[o]),
          // z to two decimals, as in the other formats: it is itself a ratio
          // of Monte-Carlo estimates.
          l.z.map { .number(Double(String(format: "%.2f", $0[o])) ?? $0[o]) } ?? .missing,
        ]
        // Three significant digits, as in the other formats: the error's own
        // Monte-Carlo error is not estimated.
        if model.target != nil {
          row.append(o == 0 ? (l.outputError.map { .number(Double(String(format: "%.3g", $0)) ?? $0) } ?? .missing) : .missing)
        }
        t.append(row)
      }
    }
    return t
  }

  /// Every simulated scheme per σ > 0 (`--schemes chain,em,milstein`): the
  /// readout each gives, its SE, and its z against the chain; nil when only
  /// one scheme ran, so the default report is unchanged.
  public func schemeTable() -> Table? {
    guard noiseLevels.contains(where: { $0.schemes.count > 1 }) else { return nil }
    var t = Table(
      columns: ["sigma_test", "scheme", "readout", "SE", "z vs chain"], alignments: [.left, .left, .right, .right, .right],
      caption: "Simulated stationary readout by scheme at u = \(list(model.input)) (chain: the exact model; em, milstein: its diffusion approximation)")
    for l in noiseLevels where !l.schemes.isEmpty {
      for (k, e) in l.schemes.enumerated() {
        for o in 0..<model.outputs {
          t.append([
            k == 0 && o == 0 ? Self.tidy(l.sigma).description : "", o == 0 ? e.scheme : "",
            fmt(e.readoutMean[o], se: e.readoutSe[o]), String(format: "%.2g", e.readoutSe[o]),
            e.zVsChain.map { String(format: "%+.2f", $0[o]) } ?? "-",
          ])
        }
      }
    }
    return t
  }

  /// The slow-point search in one line, nil when it was not asked for: how
  /// many minima of q were found below the threshold, or that none was.
  public var slowPointSummary: String? {
    guard let q = search.slowPointMaxQ else { return nil }
    let n = slowPoints?.count ?? 0
    let threshold = String(format: "%.3g", q)
    return n == 0
      ? "slow points: none found with 0 < q <= \(threshold) (q = 1/2 |F(h) - h|^2)"
      : "slow points: \(n) found with 0 < q <= \(threshold) (rows 'slow point k' of the fixed-point table)"
  }

  /// A σ rounded to 12 significant digits, so 0.1·3 prints as 0.3 (the
  /// command line's number lists are tidied the same way).
  static func tidy(_ x: Double) -> Double {
    guard x != 0, x.isFinite else { return x }
    return Double(String(format: "%.12g", x)) ?? x
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
  /// Inputs and targets as typed: 12 significant digits (0.1·3 is 0.3).
  func list(_ v: [Double]) -> String { v.map { "\(Self.tidy($0))" }.joined(separator: ",") }
  /// Computed readouts with the table's six decimals (JSON keeps every digit).
  func values(_ v: [Double]) -> String { v.map(fmt).joined(separator: ",") }

  public var summary: String {
    // Six significant digits, as in the tables (the JSON keeps every digit).
    func g(_ x: Double) -> String { NumberFormat.significant(x) }
    var s = "\(model.path): \(model.hidden) \(model.activation) units, noise-\(model.noise), sigma_train = \(g(model.sigmaTrain)), "
    s += "dt = \(g(model.dt)), tau = \(g(model.tau)), task = \(model.task ?? "unknown")"
    if let f = model.targetFormula { s += " (target \(f))" }
    if let loss = model.loss { s += ", training loss \(g(loss))" }
    return s
  }

  /// The completeness report in one line: distinct points, singletons,
  /// starts and batches, and why the search stopped.
  public var searchSummary: String {
    let stable = fixedPoints.filter(\.stable).count
    var s = "\(search.distinct) distinct fixed point(s) (\(stable) stable, \(search.distinct - stable) saddle(s)), "
    s += "\(search.foundOnce) found only once; \(search.startsUsed) starts in \(search.batches) batch(es); "
    switch search.stoppingReason {
    case "saturated": s += "stopped: nothing new in the last \(search.patience) batches"
    case "budget": s += "stopped: start budget \(search.maxStarts) spent before saturation (raise --max-starts)"
    default: s += "stopped: sampled batches off"
    }
    if search.outliersExcluded > 0 { s += "; \(search.outliersExcluded) distance outlier(s) excluded" }
    return s
  }

  public func render(_ format: TableFormat) -> String {
    // LaTeX is for a paper: the level table as a PaperTable (math headers,
    // value(SE)); the other formats keep the terminal's columns.
    let levels = format == .latex ? levelPaperTable().render(.latex) : levelTable().render(format)
    let tables = fixedPointTable().render(format) + "\n" + levels
      + (schemeTable().map { "\n" + $0.render(format) } ?? "")
      + (multistableTable().map { "\n" + $0.render(format) } ?? "")
    return format.frame(tables, heading: summary, closing: verdict) {
      var s = summary + "\n" + (branch.endReason.map { "mean-field branch: \($0)\n" } ?? "") + "\n" + tables
      s += "fixed-point search: " + searchSummary + "\n"
      s += slowPointSummary.map { $0 + "\n" } ?? ""
      s += multistableLines
      s += "simulated: \(methods["simulated_mean"] ?? "")\n"
      s += "verdict: " + verdict + "\n"
      return s
    }
  }

  // MARK: Files

  /// report.json/.md/.tex and the CSVs a notebook reads, rendered; write
  /// them with `ReportFiles.write`.
  public func files() throws -> [RenderedFile] {
    let contents = [
      try JSONOutput.string(self) + "\n", render(.markdown), render(.latex), noiseLevelsCSV(), fixedPointsCSV(),
      branchCSV(),
    ]
    return zip(Self.fileNames, contents).map { (name: $0, contents: $1) }
  }

  /// The names `files()` writes, in order: known before the analysis runs,
  /// so `--out` can be checked up front.
  public static let fileNames = [
    "report.json", "report.md", "report.tex", "noise_levels.csv", "fixed_points.csv", "branch.csv",
  ]

  /// Long format: one row per (sigma, output, method).
  public func noiseLevelsCSV() -> String {
    var s = "sigma,output,method,readout_mean,readout_se,readout_variance\n"
    func num(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
    for l in noiseLevels {
      for o in 0..<model.outputs {
        s += "\(l.sigma),\(o),mean_field,\(num(l.analyticMeanField?[o])),,\n"
        s += "\(l.sigma),\(o),small_noise,\(num(l.analyticSmallNoise?[o])),,\n"
        s += "\(l.sigma),\(o),closure,\(num(l.analyticClosure?[o])),,\(num(l.closureReadoutVariance?[o]))\n"
        if l.schemes.isEmpty { s += "\(l.sigma),\(o),fixed_point,\(l.simulatedMean[o]),0,0\n" }
        for e in l.schemes {
          s += "\(l.sigma),\(o),\(e.scheme),\(e.readoutMean[o]),\(e.readoutSe[o]),\(e.readoutVariance[o])\n"
        }
      }
    }
    return s
  }

  public func fixedPointsCSV() -> String {
    var s = "index,reference,stable,spectral_radius,residual," + (0..<model.outputs).map { "readout_\($0)" }.joined(separator: ",")
    s += "," + (0..<model.hidden).map { "h_\($0)" }.joined(separator: ",") + "\n"
    for (i, p) in fixedPoints.enumerated() {
      s += "\(i),\(p.reference),\(p.stable),\(p.spectralRadius),\(p.residual),"
      s += (p.readout + p.h).map { "\($0)" }.joined(separator: ",") + "\n"
    }
    return s
  }

  public func branchCSV() -> String {
    var s = "sigma,spectral_radius," + (0..<model.outputs).map { "readout_\($0)" }.joined(separator: ",")
    s += "," + (0..<model.hidden).map { "h_\($0)" }.joined(separator: ",") + "\n"
    for p in branch.points {
      s += "\(p.sigma),\(p.spectralRadius)," + (p.readout + p.h).map { "\($0)" }.joined(separator: ",") + "\n"
    }
    return s
  }
}
