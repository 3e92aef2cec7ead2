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
      Example: fixedpoints checkpoint inspect Data/function-relu-noise-in.ckpt
      """,
    subcommands: [Inspect.self, Convert.self])
}

extension CheckpointCommand {
  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Validate a checkpoint and print its sizes, metadata and the spectral radius of W_rec.",
      discussion: "Example: fixedpoints checkpoint inspect Data/function-relu-noise-in.ckpt --json")

    @Argument(help: "The .ckpt file.")
    var file: String

    @OptionGroup var output: OutputOptions

    @OptionGroup var limits: LimitOptions

    func run() throws {
      let budget = try limits.budget()
      let ckpt = try Checkpoint(contentsOf: URL(fileURLWithPath: file), budget: budget)
      // Flags what `analyze` would refuse (N, memory) before the O(N³) eigenvalues.
      try ckpt.checkAnalysisLimits(budget: budget)
      try output.emit(try CheckpointReport(ckpt, file: file), stage: "checkpoint inspect")
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
        Example: fixedpoints checkpoint convert model.ckpt model-f32.ckpt --dtype f32
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
