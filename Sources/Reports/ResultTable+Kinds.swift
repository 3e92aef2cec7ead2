import Foundation
import Training

/// Each kind's columns and how its JSON becomes rows.
extension ResultTable {
  typealias Record = [String: PaperTable.Cell]

  static func spec(_ name: String, _ display: String, _ latex: String, _ meaning: String) -> ColumnSpec {
    ColumnSpec(name: name, display: display, latex: latex, meaning: meaning)
  }

  /// The columns naming a sweep's cell: task, placement, activation, σ_train.
  static let cellSpecs = [
    spec("task", "task", "task", "training task"),
    spec("noise", "noise", "noise", "noise placement (in/out)"),
    spec("activation", "activation", "activation", "activation function"),
    spec("sigma_train", "σ_train", "$\\sigma_\\text{train}$", "training noise"),
  ]

  static let sigmaTestSpec = spec("sigma_test", "σ_test", "$\\sigma_\\text{test}$", "noise level of the row (alias: sigma)")

  /// The columns `kind` offers with `rows`, in a sensible order.
  public static func columns(_ kind: ResultFile.Kind, rows: Rows) -> [ColumnSpec] {
    switch (kind, rows) {
    case (.analyze, _):
      return [
        spec("model", "model", "model", "checkpoint file name"),
        spec("task", "task", "task", "training task"),
        spec("noise", "noise", "noise", "noise placement (in/out)"),
        spec("activation", "activation", "activation", "activation function"),
        spec("hidden", "units", "$N$", "hidden units"),
        spec("sigma_train", "σ_train", "$\\sigma_\\text{train}$", "training noise"),
        sigmaTestSpec,
        spec("optimum", "optimum σ_test", "$\\sigma_\\text{test}^{*}$", "sigma_test with the smallest output error"),
        spec("readout", "readout (sim.)", "$\\bar z_\\text{sim}$", "simulated stationary readout ± SE"),
        spec("readout_closure", "readout (closure)", "$\\bar z_\\text{closure}$", "Gaussian-closure readout"),
        spec("readout_mean_field", "readout (MF)", "$\\bar z_\\text{MF}$", "mean-field readout"),
        spec("readout_small_noise", "readout (small noise)", "$\\bar z_\\text{SN}$", "small-noise expansion readout"),
        spec("bias", "bias (sim.)", "$b_\\text{sim}$", "simulated readout minus the sigma = 0 fixed point's, ± SE"),
        spec("bias_closure", "bias (closure)", "$b_\\text{closure}$", "closure readout minus the fixed point's"),
        spec("bias_mean_field", "bias (MF)", "$b_\\text{MF}$", "mean-field readout minus the fixed point's"),
        spec("bias_small_noise", "bias (small noise)", "$b_\\text{SN}$", "small-noise readout minus the fixed point's"),
        spec("z", "z", "$z$", "(simulated - closure)/SE"),
        spec("output_error", "output error", "$E_\\text{out}$", "E(z - target)^2, simulated"),
        spec("output_error_closure", "output error (closure)", "$E_\\text{out}^\\text{closure}$", "E(z - target)^2, closure"),
        spec("worst_z", "worst |z|", "$\\max|z|$", "largest |z| over the noise levels"),
      ]
    case (.paradox, .model):
      return cellSpecs + [
        spec("seeds", "seeds", "seeds", "networks averaged"),
        spec("optimum", "best σ_test", "$\\sigma_\\text{test}^{*}$", "sigma_test with the lowest mean test loss"),
        spec("loss_at_optimum", "loss at best", "$L(\\sigma_\\text{test}^{*})$", "test loss there ± SE"),
        spec("loss_at_zero", "loss at σ_test = 0", "$L(0)$", "test loss at sigma_test = 0 ± SE"),
        spec("loss_at_train", "loss at σ_train", "$L(\\sigma_\\text{train})$", "test loss at the grid point nearest sigma_train ± SE"),
      ]
    case (.paradox, .sigma):
      return [sigmaTestSpec, spec("loss", "loss", "$L$", "mean test loss ± SE (across seeds when ≥ 2)")]
    case (.mechanism, .model):
      return cellSpecs + [
        spec("seeds", "seeds", "seeds", "networks averaged"),
        spec("optimum", "optimum measured", "$\\sigma_\\text{test}^{*}$", "measured optimum, mean ± SE over seeds"),
        spec("optimum_predicted", "optimum predicted", "$\\sigma_\\text{test,pred}^{*}$", "closure-predicted optimum"),
        spec("agree", "agree", "agree", "networks whose predicted optimum is within one grid step"),
        spec("loss_at_zero", "loss at 0, measured", "$L(0)$", "measured test loss at sigma_test = 0"),
        spec("loss_at_zero_predicted", "loss at 0, predicted", "$L_\\text{pred}(0)$", "closure-predicted loss at 0"),
        spec("loss_at_train", "loss at σ_train, measured", "$L(\\sigma_\\text{train})$", "measured loss near sigma_train"),
        spec("loss_at_train_predicted", "loss at σ_train, predicted", "$L_\\text{pred}(\\sigma_\\text{train})$", "predicted loss near sigma_train"),
        spec("loss_agree", "loss agrees", "loss agrees", "networks with predicted loss at sigma_train within \(Int(MechanismReport.lossTolerance * 100))%"),
        spec("bias", "bias (sim.)", "$b_\\text{sim}$", "simulated readout bias at sigma_train"),
        spec("bias_closure", "bias (closure)", "$b_\\text{closure}$", "closure readout bias"),
        spec("bias_mean_field", "bias (MF)", "$b_\\text{MF}$", "mean-field readout bias"),
        spec("near", "near", "near", "fraction of units within 1 sd of the nonlinearity"),
        spec("distance_sd", "distance/sd", "$d/s$", "mean distance to the nonlinearity in sd"),
      ]
    case (.debias, .model):
      return cellSpecs + [
        spec("debiased", "debiased", "debiased", "networks debiased of those kept"),
        spec("loss_at_zero_before", "loss at 0, before", "$L(0)$", "simulated stationary loss at sigma_test = 0 before, mean ± SE over seeds"),
        spec("loss_at_zero_after", "loss at 0, after", "$L_\\text{debiased}(0)$", "the same after debiasing"),
        spec("loss_at_train_before", "loss at σ_train, before", "$L(\\sigma_\\text{train})$", "simulated stationary loss at sigma_train before"),
        spec("penalty_remaining", "penalty left", "penalty left", "(L_after(0) - L(sigma_train)) / (L(0) - L(sigma_train))"),
      ]
    case (.moments, .model):
      return [
        spec("activation", "activation", "$f$", "activation function"),
        spec("mu", "μ", "$\\mu$", "mean of X"),
        spec("sigma", "σ", "$\\sigma$", "sd of X"),
        spec("mean", "E f(X)", "$\\mathrm{E}\\,f(X)$", "mean"),
        spec("second_moment", "E f(X)²", "$\\mathrm{E}\\,f(X)^2$", "second moment"),
        spec("variance", "Var f(X)", "$\\mathrm{Var}\\,f(X)$", "variance"),
        spec("mean_slope", "E f'(X)", "$\\mathrm{E}\\,f'(X)$", "mean slope"),
        spec("bias", "E f(X) − f(μ)", "$\\mathrm{E}\\,f(X) - f(\\mu)$", "noise-induced bias"),
        spec("error_bound", "error bound", "rel.\\ error bound", "largest relative error bound"),
        spec("method", "method", "method", "how the moments were computed"),
        spec("samples", "MC samples", "MC samples", "Monte Carlo samples"),
        spec("mc_mean", "E f(X), MC", "$\\mathrm{E}\\,f(X)_\\text{MC}$", "Monte Carlo mean ± SE"),
        spec("mc_variance", "Var f(X), MC", "$\\mathrm{Var}\\,f(X)_\\text{MC}$", "Monte Carlo variance ± SE"),
        spec("mc_bias", "bias, MC", "$b_\\text{MC}$", "Monte Carlo bias ± SE"),
      ]
    case (.verify, .model):
      return [
        spec("check", "check", "check", "check name"),
        spec("worst_error", "worst error", "worst error", "largest error found"),
        spec("tolerance", "tolerance", "tolerance", "its tolerance"),
        spec("unit", "unit", "unit", "how the error is measured"),
        spec("result", "result", "result", "pass or FAIL"),
      ]
    case (.mechanism, .sigma), (.debias, .sigma), (.moments, .sigma), (.verify, .sigma):
      return []
    }
  }

  /// The columns shown when `--columns` is not given.
  static func defaults(_ kind: ResultFile.Kind, rows: Rows) -> [String] {
    switch (kind, rows) {
    case (.analyze, .model): ["model", "noise", "sigma_test", "optimum", "bias", "bias_closure", "bias_mean_field"]
    case (.analyze, .sigma): ["sigma_test", "bias", "bias_closure", "z"]
    case (.paradox, .model): ["noise", "sigma_train", "seeds", "optimum", "loss_at_optimum", "loss_at_zero", "loss_at_train"]
    case (.paradox, .sigma): ["sigma_test", "loss"]
    case (.mechanism, _):
      [
        "noise", "sigma_train", "seeds", "optimum", "optimum_predicted", "agree", "loss_at_train", "loss_at_train_predicted",
        "loss_agree", "loss_at_zero", "loss_at_zero_predicted", "bias", "bias_closure", "near", "distance_sd",
      ]
    case (.debias, _): ["noise", "sigma_train", "debiased", "loss_at_zero_before", "loss_at_zero_after", "loss_at_train_before", "penalty_remaining"]
    case (.moments, _): ["activation", "mu", "sigma", "mean", "variance", "bias", "error_bound"]
    case (.verify, _): ["check", "worst_error", "tolerance", "unit", "result"]
    }
  }

  // MARK: Rows per model

  static func modelRecords(_ f: ResultFile, _ request: Request) throws(ResultTableError) -> [Record] {
    switch f.content {
    case .analyze(let a):
      let level: AnalyzeJSON.Level
      if let s = request.sigma {
        guard let l = a.noiseLevels.first(where: { abs($0.sigma - s) <= 1e-9 }) else {
          throw .sigmaNotALevel(path: f.path, sigma: s, levels: a.noiseLevels.map(\.sigma))
        }
        level = l
      } else {
        guard let l = a.noiseLevels.min(by: { abs($0.sigma - a.model.sigmaTrain) < abs($1.sigma - a.model.sigmaTrain) }) else {
          throw .malformed(path: f.path, kind: .analyze, detail: "no noise levels")
        }
        level = l
      }
      return [try analyzeRecord(f, a, level, output: request.output)]
    case .paradox(let p):
      let c = p.results.config
      let grid = c.sigmaTest
      return p.rows.map { row in
        func at(_ sigma: Double?) -> PaperTable.Cell {
          guard let sigma, let i = grid.firstIndex(of: sigma) else { return .missing }
          return .measured(row.meanLoss[i], se: row.standardError[i])
        }
        return [
          "task": .text(c.task), "noise": .text(c.noiseLabel(row.noise)), "activation": .text(c.activation),
          "sigma_train": .number(row.sigmaTrain), "seeds": .integer(row.seeds), "optimum": .number(row.bestSigmaTest),
          "loss_at_optimum": at(row.bestSigmaTest), "loss_at_zero": at(grid.contains(0) ? 0 : nil),
          "loss_at_train": at(row.sigmaTestNearestTrain),
        ]
      }
    case .mechanism(let m):
      return m.cells.map { c in
        [
          "task": .text(m.task), "noise": .text(c.noise), "activation": .text(m.activation),
          "sigma_train": .number(c.sigmaTrain), "seeds": .integer(c.seeds), "optimum": stat(c.measuredOptimum),
          "optimum_predicted": stat(c.predictedOptimum), "agree": .text("\(c.optimumAgrees)/\(c.seeds)"),
          "loss_at_zero": stat(c.measuredLossAtZero), "loss_at_zero_predicted": stat(c.predictedLossAtZero),
          "loss_at_train": stat(c.measuredLossAtTrain), "loss_at_train_predicted": stat(c.predictedLossAtTrain),
          "loss_agree": .text("\(c.lossAgrees)/\(c.seeds)"), "bias": stat(c.simulatedBias),
          "bias_closure": stat(c.closureBias), "bias_mean_field": stat(c.meanFieldBias), "near": stat(c.nearFraction),
          "distance_sd": stat(c.meanDistanceInSd),
        ]
      }
    case .debias(let d):
      return d.cells.map { c in
        [
          "task": .text(d.task), "noise": .text(c.noise), "activation": .text(d.activation),
          "sigma_train": .number(c.sigmaTrain), "debiased": .text("\(c.seeds)/\(c.networks)"),
          "loss_at_zero_before": stat(c.lossAtZeroBefore), "loss_at_zero_after": stat(c.lossAtZeroAfter),
          "loss_at_train_before": stat(c.lossAtSigmaBefore), "penalty_remaining": stat(c.penaltyRemaining),
        ]
      }
    case .moments(let m):
      var r: Record = [
        "activation": .text(m.activation), "mu": .number(m.mu), "sigma": .number(m.sigma), "mean": .number(m.mean),
        "second_moment": .number(m.secondMoment), "variance": .number(m.variance), "mean_slope": .number(m.meanSlope),
        "bias": .number(m.bias), "error_bound": .number(m.errorBound), "method": .text(m.method),
      ]
      if let mc = m.monteCarlo {
        r["samples"] = .integer(mc.samples)
        r["mc_mean"] = .measured(mc.mean, se: mc.meanSe)
        r["mc_variance"] = .measured(mc.variance, se: mc.varianceSe)
        r["mc_bias"] = .measured(mc.bias, se: mc.biasSe)
      }
      return [r]
    case .verify(let v):
      return v.checks.map { c in
        [
          "check": .text(c.name), "worst_error": c.error == nil ? .number(c.worstError) : .text("error"),
          "tolerance": .number(c.tolerance), "unit": .text(c.unit),
          "result": .text(c.passed ? "pass" : "FAIL" + (c.error.map { ": \($0)" } ?? "")),
        ]
      }
    }
  }

  /// A seed average: mean ± SE over ≥ 2 seeds, the value alone for one.
  static func stat(_ s: MechanismJSON.Stat) -> PaperTable.Cell {
    guard let mean = s.mean else { return .missing }
    return s.n > 1 ? .measured(mean, se: s.se) : .number(mean)
  }

  static func analyzeRecord(_ f: ResultFile, _ a: AnalyzeJSON, _ l: AnalyzeJSON.Level, output o: Int) throws(ResultTableError) -> Record {
    guard o >= 0, o < a.model.outputs, o < l.simulatedMean.count, o < l.bias.count, o < l.simulatedSe.count else {
      throw .outputOutOfRange(path: f.path, output: o, outputs: a.model.outputs)
    }
    // The σ = 0 fixed point's readout, which every bias is measured from
    // (simulated − bias would carry a rounding error into an exact 0).
    let fixedPoint = a.fixedPoints.first(where: \.reference).flatMap { o < $0.readout.count ? $0.readout[o] : nil }
    let reference = fixedPoint ?? (l.simulatedMean[o] - l.bias[o])
    func value(_ v: [Double]?) -> PaperTable.Cell { v.flatMap { o < $0.count ? .number($0[o]) : nil } ?? .missing }
    func bias(_ v: [Double]?) -> PaperTable.Cell { v.flatMap { o < $0.count ? .number($0[o] - reference) : nil } ?? .missing }
    return [
      "model": .text(ResultFile.stem(a.model.path)), "task": a.model.task.map { .text($0) } ?? .missing,
      "noise": .text(a.model.noise), "activation": .text(a.model.activation), "hidden": .integer(a.model.hidden),
      "sigma_train": .number(a.model.sigmaTrain), "sigma_test": .number(l.sigma),
      "optimum": a.optimumSigma.map { .number($0) } ?? .missing,
      "readout": .measured(l.simulatedMean[o], se: l.simulatedSe[o]), "readout_closure": value(l.analyticClosure),
      "readout_mean_field": value(l.analyticMeanField), "readout_small_noise": value(l.analyticSmallNoise),
      "bias": .measured(l.bias[o], se: l.simulatedSe[o]), "bias_closure": value(l.analyticBias),
      "bias_mean_field": bias(l.analyticMeanField), "bias_small_noise": bias(l.analyticSmallNoise), "z": value(l.z),
      "output_error": l.outputError.map { .number($0) } ?? .missing,
      "output_error_closure": l.outputErrorClosure.map { .number($0) } ?? .missing,
      "worst_z": a.worstZ.map { .number($0) } ?? .missing,
    ]
  }

  // MARK: Rows per σ_test

  static func sigmaSeries(_ f: ResultFile, _ request: Request, several: Bool) throws(ResultTableError) -> [Series] {
    switch f.content {
    case .analyze(let a):
      var rows: [(sigma: Double, cells: Record)] = []
      for l in a.noiseLevels { rows.append((l.sigma, try analyzeRecord(f, a, l, output: request.output))) }
      return [Series(group: ResultFile.stem(a.model.path), rows: rows)]
    case .paradox(let p):
      let c = p.results.config
      return p.rows.map { row in
        let name = "noise-\(row.noise.label), σ_train = \(PaperNumber.plain(row.sigmaTrain))"
        return Series(
          group: several ? "\(c.task) \(name)" : name,
          rows: c.sigmaTest.indices.map { i in (c.sigmaTest[i], ["loss": .measured(row.meanLoss[i], se: row.standardError[i])]) })
      }
    case .mechanism, .debias, .moments, .verify:
      throw .noSigmaRows(f.kind)
    }
  }
}
