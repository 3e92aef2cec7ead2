import ArgumentParser
import CTRNN
import Foundation
import GSL
import Reports

/// `fixedpoints checkpoint …`: inspect and convert `.ckpt` files.
///
/// A bad file is a `CheckpointError` thrown from `run()`; the entry point
/// prints its description as one `fixedpoints: error: …` line and exits 2.
struct CheckpointCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "checkpoint", abstract: "Inspect and convert CTRNN checkpoints (.ckpt, safetensors).",
    discussion: """
      A .ckpt file is safetensors: tensors W_rec [N,N], W_in [N,I], b [N],
      W_out [O,N], b_out [O] (F32 or F64), and string metadata format,
      activation, noise (in|out), sigma_train, dt, tau, and optionally task,
      seed, loss. Python writes one with safetensors.numpy.save_file;
      scripts/torch_to_ckpt.py converts a PyTorch state_dict.
      """,
    subcommands: [Inspect.self, Convert.self])
}

extension CheckpointCommand {
  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Validate a checkpoint and print its sizes, metadata and the spectral radius of W_rec.")

    @Argument(help: "The .ckpt file.")
    var file: String

    @OptionGroup var output: OutputOptions

    @OptionGroup var limits: LimitOptions

    func run() throws {
      let budget = try limits.budget()
      let ckpt = try Checkpoint(contentsOf: URL(fileURLWithPath: file), budget: budget)
      // Flags what `analyze` would refuse (N, memory) before the O(N³) eigenvalues.
      try ckpt.checkAnalysisLimits(budget: budget)
      // The spectral radius of W_rec says at a glance whether the linearised
      // network at the origin is contracting (ρ(W)·max f′ < 1) or not.
      let radius = try NonsymmetricEigen.decompose(ckpt.recurrent, vectors: false).spectralRadius
      let report = CheckpointReport(ckpt, file: file, spectralRadius: radius)
      // Every number checked before anything is printed or written.
      try JSONOutput.requireFinite(report, stage: "checkpoint inspect")
      if output.json {
        print(try JSONOutput.string(report))
        return
      }
      // Values left-aligned: most are words, and one long metadata string
      // would otherwise push every number to the far right.
      var table = Table(columns: ["quantity", "value"], alignments: [.left, .left], caption: "checkpoint \(file)")
      let optional = { (s: String?) in s ?? "-" }
      let rows: [(String, String)] =
        [
          ("N (hidden units)", "\(ckpt.hiddenSize)"),
          ("I (inputs)", "\(ckpt.inputSize)"),
          ("O (outputs)", "\(ckpt.outputSize)"),
          ("activation", ckpt.activation.rawValue),
          ("noise", ckpt.noise.label),
          ("sigma_train", NumberFormat.full(ckpt.sigmaTrain)),
          ("dt", NumberFormat.full(ckpt.dt)),
          ("tau", NumberFormat.full(ckpt.tau)),
          ("gamma = dt/tau", NumberFormat.full(ckpt.gamma)),
          ("task", optional(ckpt.task)),
          ("seed", optional(ckpt.seed)),
          ("loss", optional(ckpt.loss.map(NumberFormat.full))),
          ("dtype", ckpt.dtype.rawValue),
          ("parameters", "\(report.parameters)"),
          ("spectral radius of W_rec", NumberFormat.full(radius)),
        ] + ckpt.extraMetadata.keys.sorted().map { ("metadata \($0)", ckpt.extraMetadata[$0] ?? "") }
      for (name, value) in rows { table.append([name, value]) }
      print(table.render(output.format), terminator: "")
    }
  }

  struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Validate a checkpoint and rewrite it in canonical form (sorted keys, padded header).",
      discussion: """
        The output is written atomically (temporary file + rename): a bad input or a
        failed write leaves no output file, and an existing OUT is replaced only on
        success; a directory, device, FIFO or symbolic link at OUT is refused, and
        OUT = - writes to stdout. Equal content gives equal bytes. Tensors other than the five of the
        model are dropped. --dtype f32 rounds every weight to the nearest float.
        """)

    @Argument(help: "The checkpoint to read.")
    var input: String

    @Argument(help: "The checkpoint to write (may be the same file).")
    var output: String

    @Option(help: "Element type to write: f32 or f64 (default: the input's).")
    var dtype: Checkpoint.DType?

    func validate() throws { try OutputPath.validate(output, option: "<output>") }

    @OptionGroup var limits: LimitOptions

    func run() throws {
      var ckpt = try Checkpoint(contentsOf: URL(fileURLWithPath: input), budget: limits.budget())
      if let dtype { ckpt.dtype = dtype }
      try ckpt.write(toPath: output)
      // With OUTPUT = - the checkpoint is stdout; the summary goes nowhere.
      guard output != "-" else { return }
      print(
        "wrote \(output): N = \(ckpt.hiddenSize), I = \(ckpt.inputSize), O = \(ckpt.outputSize), "
          + ckpt.dtype.rawValue)
    }
  }
}

/// `--dtype f32|f64` (case-insensitive).
extension Checkpoint.DType: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
  public static var allValueStrings: [String] { ["f32", "f64"] }
}

/// The JSON shape of `checkpoint inspect --json` (snake_case keys, one
/// object). Absent optional metadata is `null`, not a missing key, so the
/// set of keys never depends on the file.
struct CheckpointReport: Encodable {
  var file: String
  var format: String
  var hidden_size, input_size, output_size, parameters: Int
  var activation, noise, dtype: String
  var sigma_train, dt, tau, gamma, spectral_radius: Double
  var task, seed: String?
  var loss: Double?
  var extra_metadata: [String: String]

  init(_ c: Checkpoint, file: String, spectralRadius: Double) {
    self.file = file
    format = Checkpoint.formatVersion
    hidden_size = c.hiddenSize
    input_size = c.inputSize
    output_size = c.outputSize
    parameters =
      c.recurrent.elements.count + c.input.elements.count + c.bias.count + c.readout.elements.count
      + c.readoutBias.count
    activation = c.activation.rawValue
    noise = c.noise.label
    dtype = c.dtype.rawValue
    sigma_train = c.sigmaTrain
    dt = c.dt
    tau = c.tau
    gamma = c.gamma
    spectral_radius = spectralRadius
    task = c.task
    seed = c.seed
    loss = c.loss
    extra_metadata = c.extraMetadata
  }

  enum CodingKeys: String, CodingKey {
    case file, format, hidden_size, input_size, output_size, parameters, activation, noise, dtype, sigma_train, dt,
      tau, gamma, spectral_radius, task, seed, loss, extra_metadata
  }

  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(file, forKey: .file)
    try c.encode(format, forKey: .format)
    try c.encode(hidden_size, forKey: .hidden_size)
    try c.encode(input_size, forKey: .input_size)
    try c.encode(output_size, forKey: .output_size)
    try c.encode(parameters, forKey: .parameters)
    try c.encode(activation, forKey: .activation)
    try c.encode(noise, forKey: .noise)
    try c.encode(dtype, forKey: .dtype)
    try c.encode(sigma_train, forKey: .sigma_train)
    try c.encode(dt, forKey: .dt)
    try c.encode(tau, forKey: .tau)
    try c.encode(gamma, forKey: .gamma)
    try c.encode(spectral_radius, forKey: .spectral_radius)
    try c.encode(task, forKey: .task)  // Optional: encodes null when nil
    try c.encode(seed, forKey: .seed)
    try c.encode(loss, forKey: .loss)
    try c.encode(extra_metadata, forKey: .extra_metadata)
  }
}
