import GSL
import GaussianMoments

/// A trained CTRNN as stored in a `.ckpt` file (DESIGN.md, "The checkpoint"):
/// the weights of
///   noise-in : h ← (1−γ) h + γ f(W_rec h + W_in u + b + σξ)
///   noise-out: h ← (1−γ) h + γ (f(W_rec h + W_in u + b) + σξ)
///   readout  : z = W_out h + b_out
/// and the metadata that says which of these the network is.
///
/// Reading and writing the safetensors bytes is `Checkpoint+Safetensors.swift`;
/// this type only holds validated values: shapes agree, every weight is
/// finite, dt and tau are positive with 10⁻⁴ ≤ dt/tau ≤ 1.
public struct Checkpoint: Sendable, Equatable {
  /// The smallest γ = dt/τ accepted. The analysis iterates the noiseless map
  /// for up to 200/γ steps to let a trial settle, and the closure's
  /// contraction rate is γ: at γ = 10⁻⁴ that is 2·10⁶ steps (seconds); a
  /// smaller γ would take minutes to hours, and 200/γ overflows an Int
  /// below γ ≈ 2·10⁻¹⁷. Networks trained here use γ = 0.1.
  public static let minimumGamma = 1e-4

  /// The `format` metadata value this version writes.
  public static let formatVersion = "fixedpoints-ctrnn/1"

  /// Element type of the tensors in the file. Values are always held as
  /// Float64; F32 files are widened exactly on reading.
  public enum DType: String, Sendable, Equatable { case f32 = "F32", f64 = "F64" }

  public var activation: Activation
  public var noise: NoisePlacement
  /// The law of ξ (`noise_law` metadata; Gaussian when absent).
  public var noiseLaw: NoiseLaw
  /// How σ scales per step (`noise_amplitude` metadata; γσ when absent).
  /// `sigmaTrain` is in this convention.
  public var noiseAmplitude: NoiseAmplitude
  /// The noise level σ the network was trained at.
  public var sigmaTrain: Double
  public var dt: Double
  public var tau: Double
  /// `task` metadata (e.g. "function"), nil when absent or empty.
  public var task: String?
  /// `seed` metadata, kept verbatim (nil when absent).
  public var seed: String?
  /// Final training loss (`loss` metadata), nil when absent.
  public var loss: Double?
  /// Every other `__metadata__` entry, kept so a round trip loses nothing.
  public var extraMetadata: [String: String]
  /// Bernoulli dropout of the trained network (`dropout` metadata; nil, no
  /// dropout, when absent) and its training rate p (`dropout_rate`), the
  /// dropout counterpart of `sigmaTrain`. Set with `withDropout`, which
  /// checks the rate.
  public internal(set) var dropout: DropoutSite? = nil
  public internal(set) var dropoutRate: Double = 0
  /// Learned noise (`train --learn-noise`): each unit's σᵢ and dropout rate
  /// pᵢ (`noise_sigmas`, `dropout_rates` metadata, comma-separated); nil
  /// when not learned. `sigmaTrain` is then their root mean square and
  /// `dropoutRate` the mean rate. Set with `withLearnedNoise`.
  public internal(set) var unitSigmas: [Double]? = nil
  public internal(set) var unitDropoutRates: [Double]? = nil

  /// W_rec, N×N.
  public var recurrent: Matrix
  /// W_in, N×I.
  public var inputWeights: Matrix
  /// b, N.
  public var bias: [Double]
  /// W_out, O×N.
  public var readoutWeights: Matrix
  /// b_out, O.
  public var readoutBias: [Double]
  /// The element type to write (and the one read).
  public var dtype: DType

  public var hiddenSize: Int { recurrent.rows }
  public var inputSize: Int { inputWeights.columns }
  public var outputSize: Int { readoutWeights.rows }
  /// γ = dt/τ.
  public var gamma: Double { dt / tau }
  /// Placement, law and amplitude as one value.
  public var noiseModel: NoiseModel {
    NoiseModel(placement: noise, law: noiseLaw, amplitude: noiseAmplitude, gate: noiseGate, dropout: dropout)
  }
  /// Gulcehre's saturation gate, from the `noise_gate`, `gate_alpha`,
  /// `gate_p` metadata (checked when the file is read); nil without it.
  public var noiseGate: NoiseGate? { try? NoiseGate.fromMetadata(extraMetadata) }

  public init(
    activation: Activation, noise: NoisePlacement, sigmaTrain: Double, dt: Double, tau: Double,
    recurrent: Matrix, inputWeights input: Matrix, bias: [Double], readoutWeights readout: Matrix, readoutBias: [Double],
    task: String? = nil, seed: String? = nil, loss: Double? = nil, extraMetadata: [String: String] = [:],
    dtype: DType = .f64, noiseLaw: NoiseLaw = .gaussian, noiseAmplitude: NoiseAmplitude = .gammaSigma
  ) throws(CheckpointError) {
    let n = recurrent.rows
    guard n >= 1, recurrent.columns == n else {
      throw .shapeMismatch("W_rec is \(recurrent.rows)×\(recurrent.columns); it must be square N×N with N ≥ 1")
    }
    guard input.rows == n else { throw .shapeMismatch("W_in has \(input.rows) rows; W_rec says N = \(n)") }
    guard bias.count == n else { throw .shapeMismatch("b has \(bias.count) entries; W_rec says N = \(n)") }
    guard readout.columns == n else { throw .shapeMismatch("W_out has \(readout.columns) columns; W_rec says N = \(n)") }
    guard readout.rows >= 1 else { throw .shapeMismatch("W_out has no rows; need at least one output") }
    guard readoutBias.count == readout.rows else {
      throw .shapeMismatch("b_out has \(readoutBias.count) entries; W_out says O = \(readout.rows)")
    }
    for (name, values) in [
      ("W_rec", recurrent.elements), ("W_in", input.elements), ("b", bias), ("W_out", readout.elements),
      ("b_out", readoutBias),
    ] {
      if let i = values.firstIndex(where: { !$0.isFinite }) {
        throw .nonFiniteWeight("\(name) has a non-finite value (\(values[i])) at flat index \(i)")
      }
    }
    guard sigmaTrain.isFinite, sigmaTrain >= 0 else {
      throw .badMetadata("sigma_train must be a finite number >= 0, got \(sigmaTrain)")
    }
    guard dt.isFinite, dt > 0 else { throw .badMetadata("dt must be a finite number > 0, got \(dt)") }
    guard tau.isFinite, tau > 0 else { throw .badMetadata("tau must be a finite number > 0, got \(tau)") }
    guard dt <= tau else { throw .badMetadata("dt = \(dt) > tau = \(tau): the discrete map needs dt/tau <= 1") }
    guard dt / tau >= Self.minimumGamma else {
      throw .badMetadata("dt/tau = \(dt / tau) is below \(Self.minimumGamma): the analysis would need more than 200/(dt/tau) steps per trial")
    }
    if let loss, !loss.isFinite { throw .badMetadata("loss must be a finite number, got \(loss)") }
    self.activation = activation
    self.noise = noise
    self.noiseLaw = noiseLaw
    self.noiseAmplitude = noiseAmplitude
    self.sigmaTrain = sigmaTrain
    self.dt = dt
    self.tau = tau
    self.recurrent = recurrent
    self.inputWeights = input
    self.bias = bias
    self.readoutWeights = readout
    self.readoutBias = readoutBias
    self.task = task
    self.seed = seed
    self.loss = loss
    self.extraMetadata = extraMetadata
    self.dtype = dtype
  }
}

/// Why a checkpoint could not be read or built. Each message names the
/// problem in one line, for the CLI to print as is (exit 2).
public enum CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file could not be opened or read.
  case unreadable(String)
  /// The file could not be written (the message names the path and the cause).
  case unwritable(String)
  /// The bytes are not a well-formed safetensors file (length prefix, JSON
  /// header, dtype, offsets, truncation).
  case malformed(String)
  /// A required tensor is missing.
  case missingTensor(String)
  /// Required tensors are missing and the names are another framework's
  /// (`Checkpoint.foreignLayout`): which tensor, the layout it looks like,
  /// the file (nil when read from bytes) and the converter's arguments.
  case foreignLayout(missing: String, layout: String, file: String?, arguments: String)
  /// Tensor shapes disagree with each other or with their rank.
  case shapeMismatch(String)
  /// A weight is NaN or infinite.
  case nonFiniteWeight(String)
  /// A metadata value is missing, unknown (activation, noise, format) or out of range.
  case badMetadata(String)

  public var description: String {
    switch self {
    case .unreadable(let m): return "cannot read checkpoint: \(m)"
    case .unwritable(let m): return "cannot write checkpoint: \(m)"
    case .malformed(let m): return "malformed checkpoint: \(m)"
    case .missingTensor(let name): return "checkpoint has no tensor '\(name)' (need W_rec, W_in, b, W_out, b_out)"
    case .foreignLayout(let name, let layout, let file, let arguments):
      return "checkpoint has no tensor '\(name)': this looks like \(layout); convert it first: "
        + Checkpoint.converterCommand(file: file, arguments: arguments)
        + " (fill in the noise convention and sigma you trained with; README, \"Bringing a model from PyTorch/JAX\")"
    case .shapeMismatch(let m): return "checkpoint shapes disagree: \(m)"
    case .nonFiniteWeight(let m): return "checkpoint weight is not finite: \(m)"
    case .badMetadata(let m): return "checkpoint metadata: \(m)"
    }
  }
}
