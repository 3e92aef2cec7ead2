import Foundation
import Platform
import GSL
import GaussianMoments
import Safetensors

/// Reading and writing `.ckpt` files (DESIGN.md, "The checkpoint"): a
/// safetensors file with tensors W_rec [N,N], W_in [N,I], b [N], W_out [O,N],
/// b_out [O] (F32 or F64) and string metadata.
///
/// Order of checks, so the first problem reported is the most basic one:
/// safetensors structure (`.malformed`), the five tensors present
/// (`.missingTensor`), their ranks and agreement (`.shapeMismatch`), the
/// metadata (`.badMetadata`), then `Checkpoint.init`'s value checks
/// (non-finite weights, sigma ≥ 0, 0 < dt ≤ tau).
///
/// Extra tensors are ignored, not an error: a state dict exported from a
/// training run may carry optimizer state, an initial hidden state or
/// buffers that have no place in the model above, and refusing the file
/// would only make users delete them by hand. They are not kept either, so
/// `convert` drops them. (They must still be well-formed F32/F64 tensors: the
/// Safetensors target validates the whole file before anything is used, and
/// its `SafetensorsError.malformed` becomes `CheckpointError.malformed` with
/// the same message.)
extension Checkpoint {
  /// The tensor names, in the order of the model's equations.
  public static let tensorNames = ["W_rec", "W_in", "b", "W_out", "b_out"]

  /// Metadata keys with a typed field; every other key is `extraMetadata`.
  public static let reservedMetadataKeys: Set<String> = [
    "format", "activation", "noise", "sigma_train", "dt", "tau", "task", "seed", "loss",
    "noise_law", "noise_amplitude", "dropout", "dropout_rate", "noise_sigmas", "dropout_rates",
  ]

  // MARK: - Reading

  /// Reads and validates a `.ckpt` file.
  public init(contentsOf url: URL) throws(CheckpointError) {
    do {
      try self.init(safetensors: Self.readFile(url))
    } catch .foreignLayout(let name, let layout, _, let arguments) {
      throw .foreignLayout(missing: name, layout: layout, file: url.path, arguments: arguments)
    }
  }

  /// Validates the bytes of a `.ckpt` file.
  public init(safetensors bytes: some Collection<UInt8>) throws(CheckpointError) {
    let file: SafetensorsFile
    do { file = try SafetensorsFile.decode(bytes) } catch { throw CheckpointError(error) }
    try self.init(safetensors: file)
  }

  /// Builds a checkpoint from an already-decoded safetensors file.
  public init(safetensors file: SafetensorsFile) throws(CheckpointError) {
    // Another model kind's checkpoint (a feedforward `mlp`) is named as
    // such before its tensors are looked for: "no tensor W_rec" would not
    // say what the file is or what reads it.
    if let architecture = file.metadata["architecture"], architecture != "ctrnn" {
      let reader = architecture == "mlp" ? "; read it with fixedpoints analyze-mlp" : ""
      throw .badMetadata("architecture is '\(architecture)', not ctrnn: this is not a CTRNN checkpoint\(reader)")
    }
    func tensor(_ name: String) throws(CheckpointError) -> SafetensorsFile.Tensor {
      guard let t = file.tensors[name] else {
        if let (layout, arguments) = Self.foreignLayout(file.tensors.keys) {
          throw .foreignLayout(missing: name, layout: layout, file: nil, arguments: arguments)
        }
        throw .missingTensor(name)
      }
      return t
    }
    let wRec = try tensor("W_rec")
    let wIn = try tensor("W_in")
    let b = try tensor("b")
    let wOut = try tensor("W_out")
    let bOut = try tensor("b_out")

    func rank(_ t: SafetensorsFile.Tensor, _ name: String, _ expected: Int, _ form: String) throws(CheckpointError) {
      guard t.shape.count == expected else {
        throw .shapeMismatch("\(name) must be \(expected)-D \(form), got shape \(t.shape)")
      }
    }
    try rank(wRec, "W_rec", 2, "[N, N]")
    try rank(wIn, "W_in", 2, "[N, I]")
    try rank(b, "b", 1, "[N]")
    try rank(wOut, "W_out", 2, "[O, N]")
    try rank(bOut, "b_out", 1, "[O]")
    let n = wRec.shape[0]
    guard wRec.shape[1] == n else { throw .shapeMismatch("W_rec has shape \(wRec.shape); it must be square [N, N]") }
    let recurrent = "W_rec is \(n)×\(n)"
    guard wIn.shape[0] == n else { throw .shapeMismatch("W_in has shape \(wIn.shape) but \(recurrent)") }
    guard b.shape[0] == n else { throw .shapeMismatch("b has shape \(b.shape) but \(recurrent)") }
    guard wOut.shape[1] == n else { throw .shapeMismatch("W_out has shape \(wOut.shape) but \(recurrent)") }
    let o = wOut.shape[0]
    guard bOut.shape[0] == o else {
      throw .shapeMismatch("b_out has shape \(bOut.shape) but W_out is \(o)×\(n)")
    }

    let metadata = file.metadata
    if let format = metadata["format"], format != Self.formatVersion {
      throw .badMetadata("format is '\(format)'; this version reads '\(Self.formatVersion)' (or no format key)")
    }
    let activation: Activation = try Self.choice(metadata, "activation")
    let noise: NoisePlacement = try Self.choice(metadata, "noise")
    // Optional: a file without them is additive Gaussian with amplitude γσ,
    // as every file was before noise laws (converted files included: the
    // converter translates foreign amplitudes into σ before writing).
    let noiseLaw: NoiseLaw = metadata["noise_law"] == nil ? .gaussian : try Self.choice(metadata, "noise_law")
    let noiseAmplitude: NoiseAmplitude =
      metadata["noise_amplitude"] == nil ? .gammaSigma : try Self.choice(metadata, "noise_amplitude")
    let sigmaTrain = try Self.number(metadata, "sigma_train")
    let dt = try Self.number(metadata, "dt")
    let tau = try Self.number(metadata, "tau")
    let loss: Double? = metadata["loss"] == nil ? nil : try Self.number(metadata, "loss")
    let task = metadata["task"].flatMap { $0.isEmpty ? nil : $0 }
    let extra = metadata.filter { !Self.reservedMetadataKeys.contains($0.key) }
    do {
      if let gate = try NoiseGate.fromMetadata(extra) {
        if let problem = gate.problem(activation: activation) { throw CheckpointError.badMetadata(problem) }
        guard noise == .outside else { throw CheckpointError.badMetadata("noise_gate needs noise 'out' (the gated noise enters the unit's output), got '\(noise.rawValue)'") }
      }
    } catch let e as CheckpointError {
      throw e
    } catch {
      throw .badMetadata("\(error)")
    }
    // A file mixing F32 and F64 is read as F64, so rewriting it loses nothing.
    let dtype: DType = [wRec, wIn, b, wOut, bOut].contains { $0.dtype == .f64 } ? .f64 : .f32

    try self.init(
      activation: activation, noise: noise, sigmaTrain: sigmaTrain, dt: dt, tau: tau,
      recurrent: Matrix(rows: n, columns: n, elements: wRec.values),
      inputWeights: Matrix(rows: n, columns: wIn.shape[1], elements: wIn.values),
      bias: b.values,
      readoutWeights: Matrix(rows: o, columns: n, elements: wOut.values),
      readoutBias: bOut.values,
      task: task, seed: metadata["seed"], loss: loss, extraMetadata: extra, dtype: dtype,
      noiseLaw: noiseLaw, noiseAmplitude: noiseAmplitude)
    // Optional as well: a file without `dropout` has none (every file
    // before dropout existed reads as it did).
    if metadata["dropout"] != nil {
      let site: DropoutSite = try Self.choice(metadata, "dropout")
      self = try withDropout(site, rate: Self.number(metadata, "dropout_rate"))
    } else if metadata["dropout_rate"] != nil {
      throw .badMetadata("dropout_rate is set but dropout (one of state, input) is missing")
    }
    if metadata["noise_sigmas"] != nil || metadata["dropout_rates"] != nil {
      self = try withLearnedNoise(sigmas: Self.numbers(metadata, "noise_sigmas"), rates: Self.numbers(metadata, "dropout_rates"))
    }
  }

  /// A required metadata value that must be one of an enum's raw values.
  private static func choice<T: RawRepresentable & CaseIterable>(
    _ metadata: [String: String], _ key: String
  ) throws(CheckpointError) -> T where T.RawValue == String {
    let valid = T.allCases.map(\.rawValue).joined(separator: ", ")
    guard let raw = metadata[key] else { throw .badMetadata("missing '\(key)' (one of \(valid))") }
    guard let value = T(rawValue: raw) else {
      throw .badMetadata("\(key) '\(raw)' is not one of \(valid)")
    }
    return value
  }

  /// A required metadata value parsed as a Double (range checks are
  /// `Checkpoint.init`'s).
  private static func number(_ metadata: [String: String], _ key: String) throws(CheckpointError) -> Double {
    guard let raw = metadata[key] else { throw .badMetadata("missing '\(key)' (a number)") }
    guard let value = Double(raw) else { throw .badMetadata("\(key) = '\(raw)' is not a number") }
    return value
  }

  /// A required comma-separated list of numbers.
  private static func numbers(_ metadata: [String: String], _ key: String) throws(CheckpointError) -> [Double] {
    guard let raw = metadata[key] else { throw .badMetadata("missing '\(key)' (comma-separated numbers, one per unit)") }
    var values: [Double] = []
    for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
      guard let v = Double(part) else { throw .badMetadata("\(key) has '\(part)', not a number") }
      values.append(v)
    }
    return values
  }

  // MARK: - Writing

  /// The file's content as a safetensors value: the five tensors in
  /// `dtype` and the metadata (typed fields plus `extraMetadata`).
  ///
  /// Throws `.nonFiniteWeight` when `dtype` is F32 and a weight is beyond
  /// Float's range (it would be written as ±infinity), and `.badMetadata`
  /// when an `extraMetadata` key collides with a typed field (one of them
  /// would be silently lost).
  public func safetensorsFile() throws(CheckpointError) -> SafetensorsFile {
    let arrays: [(String, [Int], [Double])] = [
      ("W_rec", [recurrent.rows, recurrent.columns], recurrent.elements),
      ("W_in", [self.inputWeights.rows, self.inputWeights.columns], self.inputWeights.elements),
      ("b", [bias.count], bias),
      ("W_out", [self.readoutWeights.rows, self.readoutWeights.columns], self.readoutWeights.elements),
      ("b_out", [readoutBias.count], readoutBias),
    ]
    var tensors: [String: SafetensorsFile.Tensor] = [:]
    for (name, shape, values) in arrays {
      if dtype == .f32, let i = values.firstIndex(where: { !Float($0).isFinite }) {
        throw .nonFiniteWeight("\(name)[\(i)] = \(values[i]) does not fit in F32; write it as F64")
      }
      tensors[name] = SafetensorsFile.Tensor(dtype: dtype.safetensors, shape: shape, values: values)
    }
    if let clash = extraMetadata.keys.sorted().first(where: Self.reservedMetadataKeys.contains) {
      throw .badMetadata("extraMetadata key '\(clash)' collides with a checkpoint field; set the field instead")
    }
    var metadata = extraMetadata
    metadata["format"] = Self.formatVersion
    metadata["activation"] = activation.rawValue
    metadata["noise"] = noise.rawValue
    // Written only when not the default, so a Gaussian γσ checkpoint's bytes
    // are what they were before these keys existed.
    if noiseLaw != .gaussian { metadata["noise_law"] = noiseLaw.rawValue }
    if noiseAmplitude != .gammaSigma { metadata["noise_amplitude"] = noiseAmplitude.rawValue }
    if let dropout {
      metadata["dropout"] = dropout.rawValue
      metadata["dropout_rate"] = "\(dropoutRate)"
    }
    if let unitSigmas, let unitDropoutRates {
      metadata["noise_sigmas"] = unitSigmas.map { "\($0)" }.joined(separator: ",")
      metadata["dropout_rates"] = unitDropoutRates.map { "\($0)" }.joined(separator: ",")
    }
    // Swift's description of a Double is the shortest string that parses
    // back to the same Double: the round trip is exact.
    metadata["sigma_train"] = "\(sigmaTrain)"
    metadata["dt"] = "\(dt)"
    metadata["tau"] = "\(tau)"
    if let task, !task.isEmpty { metadata["task"] = task }
    if let seed { metadata["seed"] = seed }
    if let loss { metadata["loss"] = "\(loss)" }
    return SafetensorsFile(tensors: tensors, metadata: metadata)
  }

  /// The canonical bytes of the `.ckpt` file: equal checkpoints give equal
  /// bytes. Throws as `safetensorsFile()` does.
  public func safetensorsBytes() throws(CheckpointError) -> [UInt8] {
    try safetensorsFile().encode()
  }

  /// Writes the `.ckpt` file through the tool's one writer
  /// (`Platform.OutputFile`): a temporary file with an unpredictable name
  /// beside `url`, flushed and renamed over it, so no partial checkpoint
  /// ever exists; a directory, device, FIFO, socket or symbolic link at
  /// `url` is refused and left untouched. The path "-" writes to stdout.
  public func write(to url: URL) throws(CheckpointError) {
    try write(toPath: url.path)
  }

  /// `write(to:)` for a path as the user typed it ("-" is stdout).
  public func write(toPath path: String) throws(CheckpointError) {
    let bytes = try safetensorsBytes()
    do {
      try OutputFile.write(Data(bytes), to: path)
    } catch let e as PlatformError {
      throw .unwritable(e.description)
    } catch {
      throw .unwritable("\(path): \(error)")
    }
  }

  /// The whole file, with POSIX errors (strerror) in the message.
  private static func readFile(_ url: URL) throws(CheckpointError) -> [UInt8] {
    let path = url.path
    func failure() -> CheckpointError { .unreadable("\(path): \(String(cString: strerror(errno)))") }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw failure() }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw failure() }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw .unreadable("\(path): not a regular file")
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(info.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { buffer in buffer.baseAddress.map { read(fd, $0, buffer.count) } ?? 0 }
      if n < 0 {
        if errno == EINTR { continue }
        throw failure()
      }
      if n == 0 { break }
      bytes += chunk[0..<n]
    }
    return bytes
  }
}

extension Checkpoint.DType {
  /// The same element type in the file format's vocabulary.
  var safetensors: SafetensorsFile.DType {
    switch self {
    case .f32: return .f32
    case .f64: return .f64
    }
  }
}

extension CheckpointError {
  /// A file-format error as a checkpoint error: the message is kept as is,
  /// so the user reads "malformed checkpoint: <what the format layer found>".
  init(_ error: SafetensorsError) {
    switch error {
    case .malformed(let m): self = .malformed(m)
    }
  }
}
