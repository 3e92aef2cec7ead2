import GSL
import GaussianMoments

/// A feedforward network (multi-layer perceptron) with noise in every hidden
/// layer, as stored in an MLP checkpoint:
///
///   h₀ = u
///   noise-in : h_{ℓ+1} = f(W_ℓ h_ℓ + b_ℓ + σξ_ℓ)        ℓ = 0 … L−2
///   noise-out: h_{ℓ+1} = f(W_ℓ h_ℓ + b_ℓ) + σξ_ℓ
///   readout  : z = W_{L−1} h_{L−1} + b_{L−1}             (linear, noiseless)
///
/// with ξ_ℓ ~ N(0, I) independent across layers and units. The readout is
/// the last layer and has no noise, so a CTRNN's readout and an MLP's read
/// the same way (z = W_out h + b_out). `depth` = L counts the readout.
///
/// Only validated values: shapes chain (W_ℓ is n_{ℓ+1}×n_ℓ), every weight
/// is finite, σ_train ≥ 0.
public struct MLP: Sendable, Equatable {
  /// The `architecture` metadata value this model reads and writes.
  public static let architecture = "mlp"
  /// The `format` metadata value this version writes.
  public static let formatVersion = "fixedpoints-mlp/1"

  /// One affine map x ↦ W x + b.
  public struct Layer: Sendable, Equatable {
    /// n_out × n_in.
    public var weights: Matrix
    public var bias: [Double]
    public init(weights: Matrix, bias: [Double]) {
      self.weights = weights
      self.bias = bias
    }
  }

  /// The affine maps in order; the last is the readout.
  public var layers: [Layer]
  public var activation: Activation
  public var noise: NoisePlacement
  /// The noise level σ the network was trained at.
  public var sigmaTrain: Double
  public var task: String?
  public var seed: String?
  public var loss: Double?
  /// Every other metadata entry, kept so a round trip loses nothing.
  public var extraMetadata: [String: String]

  /// [n₀ (inputs), n₁, …, n_L (outputs)].
  public var sizes: [Int] { [layers[0].weights.columns] + layers.map(\.weights.rows) }
  public var inputSize: Int { layers[0].weights.columns }
  public var outputSize: Int { layers[layers.count - 1].weights.rows }
  /// Number of affine maps, the readout included (≥ 1).
  public var depth: Int { layers.count }

  public init(
    layers: [Layer], activation: Activation, noise: NoisePlacement, sigmaTrain: Double,
    task: String? = nil, seed: String? = nil, loss: Double? = nil, extraMetadata: [String: String] = [:]
  ) throws(MLPError) {
    guard !layers.isEmpty else { throw .shapeMismatch("an MLP needs at least one layer (the readout)") }
    for (l, layer) in layers.enumerated() {
      guard layer.weights.rows >= 1, layer.weights.columns >= 1 else {
        throw .shapeMismatch("W\(l) is \(layer.weights.rows)×\(layer.weights.columns); both sizes must be >= 1")
      }
      guard layer.bias.count == layer.weights.rows else {
        throw .shapeMismatch("b\(l) has \(layer.bias.count) entries; W\(l) has \(layer.weights.rows) rows")
      }
      if l > 0, layer.weights.columns != layers[l - 1].weights.rows {
        throw .shapeMismatch(
          "W\(l) has \(layer.weights.columns) columns; W\(l - 1) gives \(layers[l - 1].weights.rows) units")
      }
      for (name, values) in [("W\(l)", layer.weights.elements), ("b\(l)", layer.bias)] {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
          throw .nonFiniteWeight("\(name) has a non-finite value (\(values[i])) at flat index \(i)")
        }
      }
    }
    guard sigmaTrain.isFinite, sigmaTrain >= 0 else {
      throw .badMetadata("sigma_train must be a finite number >= 0, got \(sigmaTrain)")
    }
    if let loss, !loss.isFinite { throw .badMetadata("loss must be a finite number, got \(loss)") }
    self.layers = layers
    self.activation = activation
    self.noise = noise
    self.sigmaTrain = sigmaTrain
    self.task = task
    self.seed = seed
    self.loss = loss
    self.extraMetadata = extraMetadata
  }

  /// A network with weights N(0, 1/n_in) and biases N(0, biasScale²) from
  /// GSL's mt19937 at `seed`: the fixtures of tests and `verify`, and a
  /// starting point for training.
  public static func random(
    sizes: [Int], activation: Activation, noise: NoisePlacement, sigmaTrain: Double = 0,
    biasScale: Double = 0.5, seed: UInt
  ) throws -> MLP {
    guard sizes.count >= 2, sizes.allSatisfy({ $0 >= 1 }) else {
      throw MLPError.shapeMismatch("sizes \(sizes): need an input and an output size, each >= 1")
    }
    let rng = try GSLRandom(seed: seed)
    var layers: [Layer] = []
    for l in 0..<(sizes.count - 1) {
      let (nIn, nOut) = (sizes[l], sizes[l + 1])
      let scale = 1 / Double(nIn).squareRoot()
      let w = (0..<(nIn * nOut)).map { _ in scale * rng.gaussian() }
      let b = (0..<nOut).map { _ in biasScale * rng.gaussian() }
      layers.append(Layer(weights: Matrix(rows: nOut, columns: nIn, elements: w), bias: b))
    }
    return try MLP(layers: layers, activation: activation, noise: noise, sigmaTrain: sigmaTrain)
  }
}

/// Why an MLP checkpoint could not be read, written or built; each message
/// is one line naming the problem, for the CLI to print as is (exit 2).
public enum MLPError: Error, CustomStringConvertible, Sendable, Equatable {
  case unreadable(String)
  case unwritable(String)
  case malformed(String)
  case missingTensor(String)
  case shapeMismatch(String)
  case nonFiniteWeight(String)
  case badMetadata(String)
  /// The file is a checkpoint of another architecture (the name found, and
  /// the command that reads it).
  case wrongArchitecture(found: String, reader: String)
  /// An input of the wrong length or a bad analysis parameter.
  case badParameter(String)

  public var description: String {
    switch self {
    case .unreadable(let m): return "cannot read MLP checkpoint: \(m)"
    case .unwritable(let m): return "cannot write MLP checkpoint: \(m)"
    case .malformed(let m): return "malformed MLP checkpoint: \(m)"
    case .missingTensor(let m): return "MLP checkpoint has no tensor '\(m)' (need W0, b0, W1, b1, … as the 'layers' metadata says)"
    case .shapeMismatch(let m): return "MLP checkpoint shapes disagree: \(m)"
    case .nonFiniteWeight(let m): return "MLP checkpoint weight is not finite: \(m)"
    case .badMetadata(let m): return "MLP checkpoint metadata: \(m)"
    case .wrongArchitecture(let found, let reader):
      return "checkpoint is a \(found) model (architecture '\(found)'), not an \(MLP.architecture); read it with \(reader)"
    case .badParameter(let m): return m
    }
  }
}
