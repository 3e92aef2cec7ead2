import CTRNN
import GaussianMoments
import Foundation
import GSL

/// The trainable weights of a CTRNN, flat and row-major for BLAS:
/// W_rec N×N, W_in N×I, b N, W_out O×N, b_out O. The same type holds a
/// gradient (same shapes), and `flat`/`init(flat:like:)` give Adam one vector.
public struct Parameters: Sendable, Equatable {
  public let hidden: Int
  public let inputs: Int
  public let outputs: Int
  public var recurrent: [Double]
  public var input: [Double]
  public var bias: [Double]
  public var readout: [Double]
  public var readoutBias: [Double]

  /// All zeros (a gradient accumulator).
  public init(hidden: Int, inputs: Int, outputs: Int) {
    self.hidden = hidden
    self.inputs = inputs
    self.outputs = outputs
    recurrent = [Double](repeating: 0, count: hidden * hidden)
    input = [Double](repeating: 0, count: hidden * inputs)
    bias = [Double](repeating: 0, count: hidden)
    readout = [Double](repeating: 0, count: outputs * hidden)
    readoutBias = [Double](repeating: 0, count: outputs)
  }

  /// The weights of a checkpoint (its dynamics are `Dynamics(checkpoint:)`'s business).
  public init(checkpoint k: Checkpoint) {
    hidden = k.hiddenSize
    inputs = k.inputSize
    outputs = k.outputSize
    recurrent = k.recurrent.elements
    input = k.inputWeights.elements
    bias = k.bias
    readout = k.readoutWeights.elements
    readoutBias = k.readoutBias
  }

  /// The usual small random start: W_rec ~ N(0, g²/N) with g = 0.5, so the
  /// noiseless map (1−γ)I + γ diag(f′) W_rec starts well inside the unit
  /// circle (stationary laws exist from the first step); W_in ~ N(0, 1/I);
  /// W_out ~ N(0, 1/N); b = 0.1 so relu units start active; b_out = 0.
  /// Drawn from GSL's MT19937 seeded with `seed`, in that order.
  public static func initial(hidden n: Int, inputs i: Int, outputs o: Int, seed: UInt64) throws -> Parameters {
    let rng = try GSLRandom(seed: UInt(truncatingIfNeeded: seed))
    var p = Parameters(hidden: n, inputs: i, outputs: o)
    let g = 0.5
    p.recurrent = (0..<(n * n)).map { _ in g * rng.gaussian() / Double(n).squareRoot() }
    p.input = (0..<(n * i)).map { _ in rng.gaussian() / Double(max(i, 1)).squareRoot() }
    p.bias = [Double](repeating: 0.1, count: n)
    p.readout = (0..<(o * n)).map { _ in rng.gaussian() / Double(n).squareRoot() }
    return p
  }

  /// Every value, in the order W_rec, W_in, b, W_out, b_out.
  public var flat: [Double] { recurrent + input + bias + readout + readoutBias }

  /// Parameters of `shape`'s sizes from a flat vector in `flat`'s order.
  public init(flat v: [Double], like shape: Parameters) {
    self.init(hidden: shape.hidden, inputs: shape.inputs, outputs: shape.outputs)
    precondition(v.count == shape.count, "Parameters: \(v.count) values for \(shape.count)")
    var k = 0
    func take(_ count: Int) -> [Double] {
      defer { k += count }
      return Array(v[k..<(k + count)])
    }
    recurrent = take(hidden * hidden)
    input = take(hidden * inputs)
    bias = take(hidden)
    readout = take(outputs * hidden)
    readoutBias = take(outputs)
  }

  public var count: Int { hidden * hidden + hidden * inputs + hidden + outputs * hidden + outputs }

  /// The named tensors with their values, for reports and gradient checks.
  public var tensors: [(name: String, values: [Double])] {
    [("W_rec", recurrent), ("W_in", input), ("b", bias), ("W_out", readout), ("b_out", readoutBias)]
  }

  /// A checkpoint of these weights with the dynamics and metadata given.
  public func checkpoint(
    dynamics d: Dynamics, task: String, seed: UInt64, loss: Double, extraMetadata: [String: String] = [:]
  ) throws -> Checkpoint {
    try Checkpoint(
      activation: d.activation, noise: d.noise, sigmaTrain: d.sigma, dt: d.dt, tau: d.tau,
      recurrent: Matrix(rows: hidden, columns: hidden, elements: recurrent),
      inputWeights: Matrix(rows: hidden, columns: inputs, elements: input), bias: bias,
      readoutWeights: Matrix(rows: outputs, columns: hidden, elements: readout), readoutBias: readoutBias,
      task: task, seed: "\(seed)", loss: loss, extraMetadata: extraMetadata.merging(d.gate?.metadata ?? [:]) { $1 },
      dtype: .f64, noiseLaw: d.law)
    .withDropout(d.dropout, rate: d.dropoutRate)
  }
}

/// How the network runs: activation, where the noise enters, the law of
/// its unit-SD variate ξ (σ is the noise's standard deviation whatever the
/// law), σ, dt and τ.
public struct Dynamics: Sendable, Equatable {
  public var activation: Activation
  public var noise: NoisePlacement
  public var sigma: Double
  public var dt: Double
  public var tau: Double
  /// The law of ξ; Gaussian draws exactly the variates training drew
  /// before laws existed.
  public var law: NoiseLaw
  /// Gulcehre's saturation gate (with `noise` outside): the unit's output
  /// is φ(x, ξ) = α h + (1−α) u + d σ G ξ instead of f(x) + σξ.
  public var gate: NoiseGate?
  /// Bernoulli dropout in training (nil: none) at rate `dropoutRate`; the
  /// masks are `DropoutMasks`, drawn per step like the noise.
  public var dropout: DropoutSite? = nil
  public var dropoutRate: Double = 0
  public var gamma: Double { dt / tau }

  public init(
    activation: Activation, noise: NoisePlacement, sigma: Double, dt: Double = 0.1, tau: Double = 1, law: NoiseLaw = .gaussian,
    gate: NoiseGate? = nil
  ) {
    self.gate = gate
    self.activation = activation
    self.noise = noise
    self.sigma = sigma
    self.dt = dt
    self.tau = tau
    self.law = law
  }
}
