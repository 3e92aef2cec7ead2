import Foundation
import GSL
import GaussianMoments
import SDE

/// A CTRNN from a checkpoint, driven by a constant input u, at test noise σ:
///   noise-in : h ← (1−γ) h + γ f(W h + c + σξ)
///   noise-out: h ← (1−γ) h + γ (f(W h + c) + σξ)
/// with c = W_in u + b and readout z = W_out h + b_out (DESIGN.md, "The models").
///
/// The test noise σ is a property of the analysis, not of the network: the
/// same weights are studied at every σ_test, and `sigmaTrain` only records
/// what training used.
public struct Network: Sendable {
  public let activation: Activation
  public let noise: NoisePlacement
  /// The law of ξ and how σ scales per step (the checkpoint's; Gaussian, γσ
  /// for every file without the keys).
  public let noiseLaw: NoiseLaw
  public let noiseAmplitude: NoiseAmplitude
  /// Gulcehre's saturation gate (noise outside f, through φ); nil for additive noise.
  public let noiseGate: NoiseGate?
  public let dt: Double
  public let tau: Double
  /// W_rec, N×N.
  public let recurrent: Matrix
  /// c = W_in u + b, the constant drive of each neuron.
  public let drive: [Double]
  /// W_out, O×N.
  public let readoutWeights: Matrix
  public let readoutBias: [Double]
  /// The constant input u.
  public let input: [Double]
  /// Bernoulli dropout (nil: none) and each unit's rate pᵢ, the
  /// checkpoint's training rate to begin with; the analysis may set other
  /// rates (the dropout counterpart of σ_test). `Network+Dropout.swift`.
  public var dropout: DropoutSite?
  public var dropoutRates: [Double]
  /// σᵢ/σ for each unit: the chain and closure with dropout add σ·profileᵢ
  /// noise to unit i. All 1 except for learned noise, where σ = σ_train
  /// gives the learned σᵢ.
  public var noiseProfile: [Double]

  public var size: Int { recurrent.rows }
  public var outputs: Int { readoutWeights.rows }
  public var gamma: Double { dt / tau }
  public var noiseModel: NoiseModel {
    NoiseModel(placement: noise, law: noiseLaw, amplitude: noiseAmplitude, gate: noiseGate, dropout: dropout)
  }

  public init(checkpoint k: Checkpoint, input u: [Double]) throws(NetworkError) {
    guard u.count == k.inputSize else {
      let meaning = TaskInputs.named(k.task, count: k.inputSize).map { ", in this order: " + $0.description } ?? ""
      throw .badInput("the network has \(k.inputSize) input(s); got \(u.count) value(s) (\(u.map { "\($0)" }.joined(separator: ",")))\(meaning)")
    }
    guard u.allSatisfy(\.isFinite) else { throw .badInput("input values must be finite, got \(u)") }
    activation = k.activation
    noise = k.noise
    noiseLaw = k.noiseLaw
    noiseAmplitude = k.noiseAmplitude
    noiseGate = k.noiseGate
    dt = k.dt
    tau = k.tau
    recurrent = k.recurrent
    readoutWeights = k.readoutWeights
    readoutBias = k.readoutBias
    input = u
    dropout = k.dropout
    dropoutRates = k.unitDropoutRates ?? [Double](repeating: k.dropoutRate, count: k.hiddenSize)
    if let sigmas = k.unitSigmas, k.sigmaTrain > 0 {
      noiseProfile = sigmas.map { $0 / k.sigmaTrain }
    } else {
      noiseProfile = [Double](repeating: 1, count: k.hiddenSize)
    }
    drive = (0..<k.hiddenSize).map { i in
      k.bias[i] + (0..<k.inputSize).reduce(0.0) { $0 + k.inputWeights[i, $1] * u[$1] }
    }
  }

  // MARK: Deterministic map

  /// u = W h + c, the pre-activation of every neuron.
  public func preactivation(_ h: [Double]) -> [Double] {
    Self.preactivation(h, weights: recurrent.elements, drive: drive)
  }

  /// z = W_out h + b_out.
  public func readout(_ h: [Double]) -> [Double] {
    (0..<outputs).map { o in
      var s = readoutBias[o]
      for j in 0..<size { s += readoutWeights[o, j] * h[j] }
      return s
    }
  }

  /// The noiseless map F(h) = (1−γ) h + γ f(W h + c).
  public func map(_ h: [Double]) -> [Double] {
    let u = preactivation(h), g = gamma
    return (0..<size).map { (1 - g) * h[$0] + g * activation(u[$0]) }
  }

  /// ∂F/∂h = (1−γ) I + γ diag(f′(W h + c)) W, the discrete map's Jacobian.
  public func mapJacobian(_ h: [Double]) -> Matrix {
    linearisedMap(slopes: preactivation(h).map(activation.derivative))
  }

  /// (1−γ) I + γ diag(slopes) W: the Jacobian of the map whose nonlinearity
  /// has these slopes (f′ for the noiseless map, E f′ for the averaged one).
  public func linearisedMap(slopes: [Double]) -> Matrix {
    let n = size, g = gamma
    var a = Matrix(rows: n, columns: n)
    // By pointers: the subscripts' checks showed in the closure's profile at
    // N = 512 (this runs once per outer iteration). The same products.
    recurrent.elements.withUnsafeBufferPointer { w in
      a.elements.withUnsafeMutableBufferPointer { p in
        for i in 0..<n {
          let gs = g * slopes[i]
          for j in 0..<n { p[i * n + j] = gs * w[i * n + j] }
          p[i * n + i] += 1 - g
        }
      }
    }
    return a
  }

  /// Readout of a state's mean and covariance: (W_out m + b_out, diag W_out C W_outᵀ).
  public func readoutVariance(_ c: Matrix) -> [Double] {
    let n = size, rowLength = c.columns
    // By pointers, as `linearisedMap`; the same terms in the same order.
    return readoutWeights.elements.withUnsafeBufferPointer { w in
      c.elements.withUnsafeBufferPointer { cp in
        (0..<outputs).map { o in
          var s = 0.0
          for i in 0..<n {
            let wi = w[o * n + i]
            for j in 0..<n { s += wi * cp[i * rowLength + j] * w[o * n + j] }
          }
          return s
        }
      }
    }
  }
}

/// The quantities of the network-level analysis an error can be about.
/// Errors name these, not command-line flags: the CLI maps each to its flag.
public enum NetworkParameter: String, Sendable, CaseIterable {
  case sigma, schemes, trajectories, steps, burnIn, threads, thin, input
  case noiseLaw = "noise_law"
  case noiseAmplitude = "noise_amplitude"
  case dropoutRate = "dropout_rate"
}

/// Bad input to the network-level analysis.
public enum NetworkError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The constant input does not fit the network (or a shape is wrong).
  case badInput(String)
  /// A σ or option out of range; the message follows the parameter's name.
  case invalidParameter(NetworkParameter, message: String)
  /// The linearised dynamics are not contracting: no stationary covariance.
  case notContracting(String)
  /// A computation over several inputs failed at one of them (the input,
  /// and what failed there).
  case atInput([Double], String)
  /// An ensemble at noise level `sigma` left the finite numbers: the first
  /// trajectory to do so (lowest step, then index), that step, and how many
  /// of all trajectories diverged.
  case diverged(scheme: String, sigma: Double, trajectory: Int, step: Int, failed: Int, of: Int)

  /// The parameter the error is about, nil when it is about none.
  public var parameter: NetworkParameter? {
    switch self {
    case .badInput: return .input
    case .invalidParameter(let p, _): return p
    case .notContracting, .atInput: return nil
    case .diverged: return .sigma
    }
  }

  public var description: String {
    switch self {
    case .badInput(let m): return "input: \(m)"
    case .invalidParameter(let p, let message): return "\(p.rawValue) \(message)"
    case .notContracting(let m): return "no stationary law: \(m)"
    case .atInput(let u, let m): return "at input u = \(u.map { String(format: "%g", $0) }.joined(separator: ",")): \(m)"
    case .diverged(let scheme, let sigma, let j, let step, let failed, let m):
      return "the \(scheme) ensemble at sigma = \(sigma) diverged: \(failed) of \(m) trajectories became non-finite, "
        + "the first (trajectory \(j)) at step \(step)"
    }
  }
}
