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
    discussion: """
      For one constant input u (--input, or the task's default) and each
      sigma_test: the mean-field readout (noise-averaged fixed point h = E f(Wh +
      W_in u + b + sigma xi), continued in sigma from the noiseless fixed point;
      noise-out: the fixed point itself), the Gaussian closure (mean and
      covariance together, Stein equation by Smith doubling), and the simulated
      stationary readout mean +- SE (exact discrete chain; --schemes adds
      Euler-Maruyama and Milstein on the diffusion approximation, in a table
      of their own). bias =
      simulated readout - readout of the sigma = 0 fixed point the network
      reaches from h = 0; z = (simulated - closure)/SE; output error =
      E(z - target)^2 when the checkpoint's task is known (function: sin(pi u);
      regulator: u).
      Without a CHECKPOINT, analyzes the bundled default model (\(BundledModel.defaultName)).
      --sigma-test takes a list (0,0.5,1), a range start:stop:step (0:1:0.1)
      or both (0,0.25:1:0.25). sigma is the standard deviation of the Gaussian
      added at every step of dt: to the pre-activation (noise-in) or to f
      (noise-out), in the units of the pre-activation / of h; dt and tau are
      read from the checkpoint, in its units of time.
      Inputs, in --input order (default: function and regulator 0.5, flipflop
      0; the other tasks have none, give one):
        function: u in [-1, 1], target sin(pi u);
        regulator: the level to hold, in [0.2, 1.5];
        decision: fixation cue (1 fixating, 0 = go), evidence c*s in [-0.4, 0.4];
        path-integration: velocity x, velocity y (sd 0.25 in training);
        flipflop: three channels, +-1 during a pulse, 0 between;
        decision-fixation: as decision;
        maze: one-hot position over the 18 open cells (row-major);
        multitask: fixation cue, 2 rings of 8 stimulus units, one-hot rule
        (go, anti-go, delay-match, ctx-dm-1, ctx-dm-2).
      An --input outside the range seen in training is analysed, with a
      warning on stderr.
      A feedforward checkpoint (metadata architecture = mlp, from train
      --model mlp) is recognised and gets the MLP analysis (see analyze-mlp):
      --sigma-test, one --input, --seed, --samples, --task-loss, --task-inputs
      and the output options apply; the CTRNN's ensemble and search options do not.
      Examples:
        fixedpoints analyze                                  # the bundled model
        fixedpoints analyze Data/flipflop-tanh-noise-in.ckpt --sigma-test 0,0.3,0.7
        fixedpoints analyze decision.ckpt --input 0,0.2      # go cue, evidence 0.2
        fixedpoints analyze model.ckpt --schemes chain,em,milstein --slow-points 1e-4
      --task-loss instead reports the test loss over the task's inputs
      (--task-inputs midpoints of its input range) at every sigma_test: the
      closure's prediction (E z - y)^2 + Var z next to the simulated stationary
      loss +- SE, and the optimum sigma_test of each.
      --out DIR writes report.json, report.md, report.tex and the CSVs a
      notebook needs (noise_levels.csv, fixed_points.csv, branch.csv).
      --slow-points Q adds the slow points found (rows of the fixed-point
      table) and a line saying how many, or that there were none.
      """)

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
