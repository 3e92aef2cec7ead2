import ArgumentParser
import CTRNN
import Feedforward
import Foundation
import Platform
import Reports
import Training

struct Analyze: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fixed points, noise-induced shifts and stationary laws of a trained CTRNN checkpoint.",
    discussion: helpText)

  @Argument(help: "A .ckpt file (safetensors). Default: the bundled model.")
  var checkpoint: String?

  @Option(name: .customLong("sigma-test"), help: "Test noise levels (sd per step, see below): a list 0,0.1,0.5, a range start:stop:step, or both.")
  var sigmaTest = NumberList(stride(from: 0.0, through: 1.0, by: 0.1).map(NumberList.tidy))

  @Option(
    help: ArgumentHelp(
      "The constant input u, one comma-separated value per network input (default: the task's; what each input means is below).",
      discussion: "A value may be a range START:STOP:STEP: the input conditions are then every combination (--input 0:1:0.25 is five conditions; --input 1,-1:1:1 three two-input ones). Repeat --input for more conditions. Each condition is analysed on its own (fixed points, search, noise levels); --json then prints a list of reports in order."))
  var input: [InputGrid] = []

  @OptionGroup var simulation: SimulationOptions<Defaults>
  @OptionGroup var precision: PrecisionOptions

  @OptionGroup var schemeOptions: SchemeOptions

  @OptionGroup var searchOptions: SearchOptions

  @Option(
    name: .customLong("slow-points"),
    help: "Also report slow points: minima of q = 1/2 |F(h) - h|^2 with 0 < q <= this value (e.g. 1e-4).")
  var slowPoints: Double?

  @OptionGroup var threading: ThreadOptions

  @Option(name: .customLong("rate-test"), help: "Dropout checkpoints: test dropout rates p (list or range, in 0...0.95; default: the training rate).")
  var rateTest: NumberList?

  @OptionGroup var taskLossOptions: TaskLossOptions

  @Option(help: "Feedforward (mlp) checkpoints: simulated forward passes per sigma (default 100000); a CTRNN's simulation is --trajectories x --steps.")
  var samples: Int?

  @OptionGroup var limits: LimitOptions

  /// --out DIR: report.json, report.md, report.tex and the CSVs.
  @OptionGroup var destination: OutputPathOptions

  @OptionGroup var output: OutputOptions

  enum Defaults: SimulationDefaults {
    static let trajectories = 64, steps = 2_000, burnIn = 400
  }

  var options: NetworkAnalysis.Options {
    get throws {
      var o = NetworkAnalysis.Options()
      o.sigmas = sigmaTest.values
      o.simulation = simulation.network(threads: threading.threads)
      o.simulation.precision = precision.precision
      o.schemes = try schemeOptions.parsed
      o.search = searchOptions.search(seed: simulation.seed)
      o.slowPointSpeed = slowPoints
      return o
    }
  }

  func validate() throws {
    try schemeOptions.check(precision: precision.precision)
    try taskLossOptions.check(inputGiven: !input.isEmpty, outGiven: destination.out != nil)
    do { try options.validate() } catch let e as NetworkError { throw ParameterFlags.validationError(e) }
    let conditions = input.reduce(0) { $0 + $1.conditions.count }
    guard conditions <= 1 || destination.out == nil else {
      throw ValidationError("--out writes one input condition's report; give one --input with --out (got \(conditions) conditions)")
    }
    guard conditions <= InputGrid.maximumConditions else {
      throw ValidationError("--input: at most \(InputGrid.maximumConditions) input conditions in all, got \(conditions)")
    }
    if let q = slowPoints, !(q.isFinite && q > 0) {
      throw ValidationError("--slow-points must be a finite speed > 0, got \(q)")
    }
  }

  func run() throws {
    let path = try checkpoint ?? BundledModel.defaultPath()
    // The checkpoint's metadata names its model kind: a feedforward file
    // goes to the feedforward analysis (Analyze+Feedforward.swift).
    if let architecture = CheckpointArchitecture.of(path: path), architecture != "ctrnn" {
      return try runFeedforward(architecture: architecture, path: path)
    }
    if samples != nil { throw ValidationError("--samples applies to feedforward (mlp) checkpoints; a CTRNN's simulation is --trajectories x --steps") }
    let budget = try limits.budget()
    let model = try Checkpoint(contentsOf: URL(fileURLWithPath: path), budget: budget)
    try model.checkAnalysisLimits(budget: budget)
    do { try model.checkEnsembleWork(options.simulation) } catch let e as NetworkError { throw ParameterFlags.validationError(e) }
    let status = Progress(label: "analyze")
    defer { status.finish() }
    let progress: @Sendable (String) -> Void = { status.note($0) }
    if model.dropout != nil { return try runDropout(model, path: path, progress: progress) }
    if rateTest != nil { throw ValidationError("--rate-test applies to checkpoints with dropout; this one has none") }
    if !model.noiseModel.isDefault { return try runNoiseLaw(model, path: path, progress: progress) }
    if taskLossOptions.taskLoss { return try runTaskLoss(model, path: path, progress: progress) }
    // No --input: the task's default; one report per --input otherwise.
    let inputs: [[Double]?] = input.isEmpty ? [nil] : input.flatMap(\.conditions)
    // A constant input the network never saw is a legitimate question (how
    // does it extrapolate?), so it is a warning, not an error, written once
    // the analysis has succeeded: a failing run prints its one error line only.
    var warnings: [String] = []
    // A task name this tool does not know (a converted model's own task,
    // or a typo) would otherwise drop the output-error column silently.
    if let task = model.task, !TaskCatalogue.names.contains(task) {
      warnings.append("analyze: note: task '\(TerminalText.sanitize(task))' is not a known task (\(TaskCatalogue.names.joined(separator: ", "))); no output error is reported\n")
    }
    if let meaning = TaskInputs.named(model.task, count: model.inputSize) {
      for u in input.flatMap(\.conditions) where u.count == model.inputSize && u.allSatisfy(\.isFinite) {
        warnings += meaning.outsideTrainedRange(u).map { "fixedpoints: warning: --input: \($0) (task \(meaning.task))\n" }
      }
    }
    let options = try options
    var reports: [AnalysisReport] = []
    for u in inputs {
      let analysis: NetworkAnalysis
      do {
        analysis = try NetworkAnalysis(checkpoint: model, input: u, options: options) { progress($0) }
      } catch let e as NetworkError {
        throw ParameterFlags.validationError(e)
      }
      let report = AnalysisReport(analysis, path: path)
      // Every number checked before anything is printed or written.
      try JSONOutput.requireFinite(report, stage: "the analysis")
      reports.append(report)
    }
    if let out = destination.out, let report = reports.first {
      do { try ReportFiles.write(try report.files(), to: out) } catch let e as PlatformError {
        throw ValidationError("-o/--out: \(e)")
      }
    }
    for w in warnings { FileHandle.standardError.write(Data(w.utf8)) }
    if output.json {
      // One input: the report object itself (unchanged shape); several: a list.
      print(reports.count == 1 ? try JSONOutput.string(reports[0]) : try JSONOutput.string(reports))
    } else {
      print(reports.map { $0.render(output.format) }.joined(separator: "\n"), terminator: "")
    }
  }
}
