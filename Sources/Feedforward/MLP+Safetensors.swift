import Foundation
import GSL
import GaussianMoments
import Platform
import Safetensors

/// MLP checkpoints in the project's safetensors convention: tensors
/// `W0 [n1, n0], b0 [n1], W1 [n2, n1], b1 [n2], …` (F32 or F64; written as
/// F64) and string metadata `format = fixedpoints-mlp/1`,
/// `architecture = mlp`, `layers = n0,n1,…,nL`, `activation`, `noise`
/// (in/out), `sigma_train`, and optionally `task`, `seed`, `loss`.
///
/// The architecture is checked first, so a CTRNN checkpoint (metadata
/// `architecture = ctrnn`, or its `format`, or a `W_rec` tensor) is named as
/// such in one line rather than reported as a missing `W0`.
extension MLP {
  /// Metadata keys with a typed field; every other key is `extraMetadata`.
  public static let reservedMetadataKeys: Set<String> = [
    "format", "architecture", "layers", "activation", "noise", "sigma_train", "task", "seed", "loss",
  ]

  /// The command that reads a CTRNN checkpoint, for the wrong-architecture message.
  static let ctrnnReader = "fixedpoints analyze"

  // MARK: Reading

  public init(contentsOf url: URL) throws(MLPError) {
    let path = url.path
    guard FileManager.default.fileExists(atPath: path) else { throw .unreadable("\(path): no such file") }
    // Follows a symbolic link to what it names: reading one is harmless.
    let type = (try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path))?[.type] as? FileAttributeType
    guard type == .typeRegular else { throw .unreadable("\(path): not a regular file") }
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw .unreadable("\(path): \(error.localizedDescription)") }
    try self.init(safetensors: [UInt8](data))
  }

  public init(safetensors bytes: some Collection<UInt8>) throws(MLPError) {
    let file: SafetensorsFile
    do { file = try SafetensorsFile.decode(bytes) } catch {
      switch error { case .malformed(let m): throw .malformed(m) }
    }
    try self.init(safetensors: file)
  }

  public init(safetensors file: SafetensorsFile) throws(MLPError) {
    let metadata = file.metadata
    let architecture = metadata["architecture"]
    if architecture == "ctrnn" || (architecture == nil && (metadata["format"]?.hasPrefix("fixedpoints-ctrnn") == true || file.tensors["W_rec"] != nil)) {
      throw .wrongArchitecture(found: "ctrnn", reader: Self.ctrnnReader)
    }
    guard let architecture else { throw .badMetadata("missing 'architecture' (this reader reads '\(Self.architecture)')") }
    guard architecture == Self.architecture else {
      throw .badMetadata("architecture is '\(architecture)'; this reader reads '\(Self.architecture)'")
    }
    if let format = metadata["format"], format != Self.formatVersion {
      throw .badMetadata("format is '\(format)'; this version reads '\(Self.formatVersion)' (or no format key)")
    }
    guard let layersText = metadata["layers"] else { throw .badMetadata("missing 'layers' (sizes n0,n1,…,nL)") }
    let sizes = layersText.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard sizes.count >= 2, sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else {
      throw .badMetadata("layers = '\(layersText)' is not a list of at least two sizes >= 1")
    }
    let n = sizes.map { $0! }
    var layers: [Layer] = []
    for l in 0..<(n.count - 1) {
      guard let w = file.tensors["W\(l)"] else { throw .missingTensor("W\(l)") }
      guard let b = file.tensors["b\(l)"] else { throw .missingTensor("b\(l)") }
      guard w.shape == [n[l + 1], n[l]] else {
        throw .shapeMismatch("W\(l) has shape \(w.shape); layers = \(layersText) says [\(n[l + 1]), \(n[l])]")
      }
      guard b.shape == [n[l + 1]] else {
        throw .shapeMismatch("b\(l) has shape \(b.shape); layers = \(layersText) says [\(n[l + 1])]")
      }
      layers.append(Layer(weights: Matrix(rows: n[l + 1], columns: n[l], elements: w.values), bias: b.values))
    }
    // A tensor beyond the stated depth means `layers` and the file disagree:
    // silently dropping a layer would analyse another network.
    if file.tensors["W\(n.count - 1)"] != nil {
      throw .shapeMismatch("the file has W\(n.count - 1) but layers = \(layersText) says \(n.count - 1) layer(s)")
    }
    let activation: Activation = try Self.choice(metadata, "activation")
    let noise: NoisePlacement = try Self.choice(metadata, "noise")
    guard let sigmaText = metadata["sigma_train"] else { throw .badMetadata("missing 'sigma_train' (a number)") }
    guard let sigmaTrain = Double(sigmaText) else { throw .badMetadata("sigma_train = '\(sigmaText)' is not a number") }
    var loss: Double?
    if let lossText = metadata["loss"] {
      guard let value = Double(lossText) else { throw .badMetadata("loss = '\(lossText)' is not a number") }
      loss = value
    }
    try self.init(
      layers: layers, activation: activation, noise: noise, sigmaTrain: sigmaTrain,
      task: metadata["task"].flatMap { $0.isEmpty ? nil : $0 }, seed: metadata["seed"], loss: loss,
      extraMetadata: metadata.filter { !Self.reservedMetadataKeys.contains($0.key) })
  }

  private static func choice<T: RawRepresentable & CaseIterable>(
    _ metadata: [String: String], _ key: String
  ) throws(MLPError) -> T where T.RawValue == String {
    let valid = T.allCases.map(\.rawValue).joined(separator: ", ")
    guard let raw = metadata[key] else { throw .badMetadata("missing '\(key)' (one of \(valid))") }
    guard let value = T(rawValue: raw) else { throw .badMetadata("\(key) '\(raw)' is not one of \(valid)") }
    return value
  }

  // MARK: Writing

  /// The file's content: F64 tensors and the metadata.
  public func safetensorsFile() throws(MLPError) -> SafetensorsFile {
    if let clash = extraMetadata.keys.sorted().first(where: Self.reservedMetadataKeys.contains) {
      throw .badMetadata("extraMetadata key '\(clash)' collides with a checkpoint field; set the field instead")
    }
    var tensors: [String: SafetensorsFile.Tensor] = [:]
    for (l, layer) in layers.enumerated() {
      tensors["W\(l)"] = .init(dtype: .f64, shape: [layer.weights.rows, layer.weights.columns], values: layer.weights.elements)
      tensors["b\(l)"] = .init(dtype: .f64, shape: [layer.bias.count], values: layer.bias)
    }
    var metadata = extraMetadata
    metadata["format"] = Self.formatVersion
    metadata["architecture"] = Self.architecture
    metadata["layers"] = sizes.map(String.init).joined(separator: ",")
    metadata["activation"] = activation.rawValue
    metadata["noise"] = noise.rawValue
    // The shortest round-tripping decimal: reading it back is exact.
    metadata["sigma_train"] = "\(sigmaTrain)"
    if let task, !task.isEmpty { metadata["task"] = task }
    if let seed { metadata["seed"] = seed }
    if let loss { metadata["loss"] = "\(loss)" }
    return SafetensorsFile(tensors: tensors, metadata: metadata)
  }

  public func safetensorsBytes() throws(MLPError) -> [UInt8] { try safetensorsFile().encode() }

  /// Writes through Platform's one writer (atomic; "-" is stdout).
  public func write(toPath path: String) throws(MLPError) {
    let bytes = try safetensorsBytes()
    do { try OutputFile.write(Data(bytes), to: path) } catch let e as PlatformError {
      throw .unwritable(e.description)
    } catch {
      throw .unwritable("\(path): \(error)")
    }
  }
}
