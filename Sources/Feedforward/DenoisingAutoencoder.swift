import Foundation
import GSL
import GaussianMoments
import Platform
import Safetensors

/// The shallow ReLU denoising autoencoder of Bricken et al. 2023 (Eq. 2):
///
///   z = W_e (x + ε) + b_e,   h = relu(z),   y = W_d h + b_d,
///
/// ε ~ N(0, σ² I) added to the input only, trained to reconstruct the clean
/// x. Hidden unit j's pre-activation at a datum x is exactly Gaussian,
/// N(z̄_j, σ²‖w_j‖²) with z̄_j = w_j·x + b_j (Eq. 20), and two units share
/// the noise with correlation w_j·w_k/(‖w_j‖‖w_k‖): so Eqs. 21–25 and the
/// cross term hold exactly here, not as approximations.
///
/// Checkpoint: tensors `W_enc [m, n]`, `b_enc [m]`, `W_dec [n, m]`,
/// `b_dec [n]` (F64), metadata `format = fixedpoints-dae/1`,
/// `architecture = dae`, `layers = n,m`, `activation = relu`,
/// `noise = input`, `sigma_train`, the data set's description
/// (`data`, `data_seed`, `data_features`, `data_probability`) and
/// optionally `seed`, `loss`.
public struct DenoisingAutoencoder: Sendable, Equatable {
  public static let architecture = "dae"
  public static let formatVersion = "fixedpoints-dae/1"

  /// m × n.
  public var encoder: Matrix
  public var encoderBias: [Double]
  /// n × m.
  public var decoder: Matrix
  public var decoderBias: [Double]
  public var sigmaTrain: Double
  public var data: SparsePatterns
  public var seed: String?
  public var loss: Double?
  public var extraMetadata: [String: String]

  public var inputSize: Int { encoder.columns }
  public var hiddenSize: Int { encoder.rows }

  public init(
    encoder: Matrix, encoderBias: [Double], decoder: Matrix, decoderBias: [Double], sigmaTrain: Double,
    data: SparsePatterns, seed: String? = nil, loss: Double? = nil, extraMetadata: [String: String] = [:]
  ) throws(MLPError) {
    let (m, n) = (encoder.rows, encoder.columns)
    guard m >= 1, n >= 1 else { throw .shapeMismatch("W_enc is \(m)×\(n); both sizes must be >= 1") }
    guard encoderBias.count == m else { throw .shapeMismatch("b_enc has \(encoderBias.count) entries; W_enc has \(m) rows") }
    guard decoder.rows == n, decoder.columns == m else {
      throw .shapeMismatch("W_dec is \(decoder.rows)×\(decoder.columns); W_enc [\(m), \(n)] says [\(n), \(m)]")
    }
    guard decoderBias.count == n else { throw .shapeMismatch("b_dec has \(decoderBias.count) entries; W_dec has \(n) rows") }
    guard data.dimension == n else { throw .badMetadata("the data set has dimension \(data.dimension); the network takes \(n) inputs") }
    for (name, values) in [("W_enc", encoder.elements), ("b_enc", encoderBias), ("W_dec", decoder.elements), ("b_dec", decoderBias)] {
      if let i = values.firstIndex(where: { !$0.isFinite }) {
        throw .nonFiniteWeight("\(name) has a non-finite value (\(values[i])) at flat index \(i)")
      }
    }
    guard sigmaTrain.isFinite, sigmaTrain >= 0 else { throw .badMetadata("sigma_train must be a finite number >= 0, got \(sigmaTrain)") }
    if let loss, !loss.isFinite { throw .badMetadata("loss must be a finite number, got \(loss)") }
    self.encoder = encoder
    self.encoderBias = encoderBias
    self.decoder = decoder
    self.decoderBias = decoderBias
    self.sigmaTrain = sigmaTrain
    self.data = data
    self.seed = seed
    self.loss = loss
    self.extraMetadata = extraMetadata
  }

  /// Noise-free pre-activations z̄ = W_e x + b_e.
  public func preactivation(_ x: [Double]) -> [Double] {
    var z = encoderBias
    let n = inputSize
    for j in 0..<hiddenSize {
      var s = 0.0
      for k in 0..<n { s += encoder.elements[j * n + k] * x[k] }
      z[j] += s
    }
    return z
  }

  /// ‖w_j‖ per hidden unit (the scale of its pre-activation noise per σ).
  public var encoderNorms: [Double] {
    let n = inputSize
    return (0..<hiddenSize).map { j -> Double in
      var sum = 0.0
      for k in 0..<n { sum += encoder.elements[j * n + k] * encoder.elements[j * n + k] }
      return sum.squareRoot()
    }
  }

  /// y = W_d relu(z) + b_d.
  public func decode(_ z: [Double]) -> [Double] {
    var y = decoderBias
    let m = hiddenSize
    for i in 0..<inputSize {
      var s = 0.0
      for j in 0..<m where z[j] > 0 { s += decoder.elements[i * m + j] * z[j] }
      y[i] += s
    }
    return y
  }

  // MARK: Checkpoint

  public static let reservedMetadataKeys: Set<String> = Set([
    "format", "architecture", "layers", "activation", "noise", "sigma_train", "seed", "loss",
  ]).union(SparsePatterns.metadataKeys)

  public init(contentsOf url: URL) throws(MLPError) {
    let path = url.path
    guard FileManager.default.fileExists(atPath: path) else { throw .unreadable("\(path): no such file") }
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw .unreadable("\(path): \(error.localizedDescription)") }
    let file: SafetensorsFile
    do { file = try SafetensorsFile.decode([UInt8](data)) } catch {
      switch error { case .malformed(let m): throw .malformed(m) }
    }
    try self.init(safetensors: file)
  }

  public init(safetensors file: SafetensorsFile) throws(MLPError) {
    let metadata = file.metadata
    guard metadata["architecture"] == Self.architecture else {
      throw .badMetadata("architecture is '\(metadata["architecture"] ?? "missing")'; this reader reads '\(Self.architecture)'")
    }
    if let format = metadata["format"], format != Self.formatVersion {
      throw .badMetadata("format is '\(format)'; this version reads '\(Self.formatVersion)'")
    }
    guard metadata["activation"] == "relu" else { throw .badMetadata("activation must be relu (Bricken's autoencoder), got '\(metadata["activation"] ?? "missing")'") }
    guard metadata["noise"] == "input" else { throw .badMetadata("noise must be 'input', got '\(metadata["noise"] ?? "missing")'") }
    func tensor(_ name: String, _ shape: [Int]) throws(MLPError) -> [Double] {
      guard let t = file.tensors[name] else { throw .missingTensor(name) }
      guard t.shape == shape else { throw .shapeMismatch("\(name) has shape \(t.shape); layers says \(shape)") }
      return t.values
    }
    let sizes = (metadata["layers"] ?? "").split(separator: ",").compactMap { Int($0) }
    guard sizes.count == 2, sizes.allSatisfy({ $0 >= 1 }) else {
      throw .badMetadata("layers = '\(metadata["layers"] ?? "")' must be n,m (inputs, hidden units)")
    }
    let (n, m) = (sizes[0], sizes[1])
    guard let sigmaText = metadata["sigma_train"], let sigma = Double(sigmaText) else { throw .badMetadata("sigma_train is missing or not a number") }
    let data = try SparsePatterns(metadata: metadata, dimension: n)
    var loss: Double?
    if let text = metadata["loss"] {
      guard let v = Double(text) else { throw .badMetadata("loss = '\(text)' is not a number") }
      loss = v
    }
    try self.init(
      encoder: Matrix(rows: m, columns: n, elements: tensor("W_enc", [m, n])), encoderBias: tensor("b_enc", [m]),
      decoder: Matrix(rows: n, columns: m, elements: tensor("W_dec", [n, m])), decoderBias: tensor("b_dec", [n]),
      sigmaTrain: sigma, data: data, seed: metadata["seed"], loss: loss,
      extraMetadata: metadata.filter { !Self.reservedMetadataKeys.contains($0.key) })
  }

  public func safetensorsFile() -> SafetensorsFile {
    let (m, n) = (hiddenSize, inputSize)
    var metadata = extraMetadata.filter { !Self.reservedMetadataKeys.contains($0.key) }
    metadata.merge(data.metadata) { $1 }
    metadata["format"] = Self.formatVersion
    metadata["architecture"] = Self.architecture
    metadata["layers"] = "\(n),\(m)"
    metadata["activation"] = "relu"
    metadata["noise"] = "input"
    metadata["sigma_train"] = "\(sigmaTrain)"
    if let seed { metadata["seed"] = seed }
    if let loss { metadata["loss"] = "\(loss)" }
    return SafetensorsFile(
      tensors: [
        "W_enc": .init(dtype: .f64, shape: [m, n], values: encoder.elements), "b_enc": .init(dtype: .f64, shape: [m], values: encoderBias),
        "W_dec": .init(dtype: .f64, shape: [n, m], values: decoder.elements), "b_dec": .init(dtype: .f64, shape: [n], values: decoderBias),
      ], metadata: metadata)
  }

  /// Writes through Platform's one writer (atomic; "-" is stdout).
  public func write(toPath path: String) throws(MLPError) {
    do { try OutputFile.write(Data(safetensorsFile().encode()), to: path) } catch let e as PlatformError {
      throw .unwritable(e.description)
    } catch {
      throw .unwritable("\(path): \(error)")
    }
  }
}

/// The synthetic data set the autoencoder learns (no download: the paper's
/// CIFAR-10 is 170 MB): sparse superpositions of a fixed dictionary,
/// x = Σ_k c_k a_k d_k with K feature vectors d_k ∈ R^n (entries N(0, 1),
/// drawn once from `seed`), c_k ~ Bernoulli(p) and amplitudes a_k ~ U[0.5, 1.5].
/// Every coordinate then has variance about K p E a² = K p (1 + 1/12),
/// so σ is on the data's own scale, as the paper's pixel σ is.
public struct SparsePatterns: Sendable, Equatable {
  public static let name = "sparse-patterns"
  static let metadataKeys: Set<String> = ["data", "data_seed", "data_features", "data_probability"]

  public var dimension: Int
  public var features: Int
  public var probability: Double
  public var seed: UInt
  /// K × n, row k is d_k.
  public var dictionary: Matrix

  public init(dimension: Int, features: Int, probability: Double, seed: UInt) throws(MLPError) {
    guard (1...4096).contains(dimension), (1...4096).contains(features) else {
      throw .badParameter("data: dimension and features must be in 1...4096, got \(dimension), \(features)")
    }
    guard probability > 0, probability <= 1 else { throw .badParameter("data: probability must be in (0, 1], got \(probability)") }
    self.dimension = dimension
    self.features = features
    self.probability = probability
    self.seed = seed
    guard let rng = try? GSLRandom(seed: seed) else { throw .badParameter("data: cannot seed the generator") }
    dictionary = Matrix(rows: features, columns: dimension, elements: (0..<(features * dimension)).map { _ in rng.gaussian() })
  }

  init(metadata: [String: String], dimension: Int) throws(MLPError) {
    guard metadata["data"] == Self.name else { throw .badMetadata("data must be '\(Self.name)', got '\(metadata["data"] ?? "missing")'") }
    guard let seed = metadata["data_seed"].flatMap({ UInt($0) }), let k = metadata["data_features"].flatMap({ Int($0) }),
      let p = metadata["data_probability"].flatMap({ Double($0) })
    else { throw .badMetadata("data_seed, data_features and data_probability must be numbers") }
    do { try self.init(dimension: dimension, features: k, probability: p, seed: seed) } catch { throw .badMetadata(error.description) }
  }

  var metadata: [String: String] {
    ["data": Self.name, "data_seed": "\(seed)", "data_features": "\(features)", "data_probability": "\(probability)"]
  }

  /// `count` data drawn from `rng`.
  public func sample(_ count: Int, rng: GSLRandom) -> [[Double]] {
    (0..<count).map { _ in
      var x = [Double](repeating: 0, count: dimension)
      for k in 0..<features where rng.uniform() < probability {
        let a = 0.5 + rng.uniform()
        for i in 0..<dimension { x[i] += a * dictionary.elements[k * dimension + i] }
      }
      return x
    }
  }
}
