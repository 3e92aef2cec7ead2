import Foundation
import GSL
import GaussianMoments

/// A deterministic network whose σ = 0 behaviour reproduces the stationary
/// readout a noisy network has at σ (by default its σ_train), over a task's
/// inputs: the noise-induced bias moved into the biases.
///
/// At each input u_k the Gaussian closure at σ gives the stationary mean m_k
/// with pre-activation mean μ_k = W m_k + W_in u_k + b. A deterministic
/// network with bias b + Δ has m_k as its fixed point exactly when
/// f(μ_k + Δ) = m_k, i.e. Δᵢ = f⁻¹(m_ik) − μ_ik. One Δ must serve every
/// input, so:
/// - **b, closed form per input**: Δ_ik = f⁻¹(m_ik) − μ_ik where unit i is
///   *active* at input k: f′(μ_ik) > 0 (relu: μ ≥ 0; hardtanh: inside
///   [−1, 1); smooth f: always) and m_ik strictly inside f's range, so f⁻¹ is
///   finite and the unit's deterministic value moves with Δ; 0 otherwise.
///   With one input this is exact.
/// - **b and b_out, least squares over inputs**: one Δ must serve every
///   input, and Δ_k varies with k (the noise changes the network's gain,
///   not only its offset). Linearising the deterministic fixed point about
///   m_k, h_k(b + Δ) ≈ m_k + J_k (Δ − Δ_k) with J_k = (I − D_k W)⁻¹ D_k,
///   D_k = diag f′(f⁻¹(m_k)) (0 on inactive units), (Δ, δ_out) minimise
///   Σ_k ‖W_out J_k (Δ − Δ_k) + δ_out‖² + λ ‖J_k (Δ − Δ_k)‖²: the readout
///   mismatch, which the loss sees, with the state mismatch at weight
///   λ = `stateWeight` to fix the directions the readout does not see. It
///   is exact when Δ_k does not depend on k. A unit active at no input
///   keeps b. δ_out is then refitted on the debiased network's actual fixed
///   points (the least-squares constant: the mean readout mismatch).
/// - **b_out (least squares)**: what the per-unit shift leaves — Δ varying
///   with the input, silent units' E f > 0, a changed fixed point — is
///   fitted by the readout offset δ_out = mean over inputs of
///   (closure readout − debiased σ = 0 readout), the least-squares constant.
///
/// The debiased network keeps its weights, placement and σ_train metadata
/// (σ_train still says what training used) and records
/// `debiased_sigma` in its metadata.
public struct Debias: Sendable {
  /// λ: the state mismatch's weight next to the readout's. Small, so the
  /// readout decides wherever it can; nonzero, so Δ is unique.
  public static let stateWeight = 1e-3

  public let original: Checkpoint
  public let debiased: Checkpoint
  public let sigma: Double
  public let samples: [TaskSample]
  /// Δ, per hidden unit.
  public let biasChange: [Double]
  /// Inputs at which each unit was active (and so entered its Δ).
  public let activeInputs: [Int]
  /// δ_out, per output.
  public let readoutBiasChange: [Double]
  /// The closure's readout mean at σ, per input: what the debiased network aims at.
  public let closureReadout: [[Double]]
  /// The original and the debiased networks' σ = 0 readout (settled from h = 0), per input.
  public let originalReadout: [[Double]]
  public let debiasedReadout: [[Double]]

  /// RMS over inputs and outputs of (σ = 0 readout − closure readout at σ):
  /// the bias before and what is left after.
  public var residualBefore: Double { Self.rms(originalReadout, closureReadout) }
  public var residualAfter: Double { Self.rms(debiasedReadout, closureReadout) }

  /// Gauss–Newton steps taken after the closed-form start.
  public let refinementSteps: Int

  /// At most this many Gauss–Newton steps.
  public static let refinements = 20

  /// `sigma` nil: the checkpoint's σ_train.
  public init(checkpoint: Checkpoint, samples: [TaskSample], sigma: Double? = nil) throws {
    let s = sigma ?? checkpoint.sigmaTrain
    guard s.isFinite, s >= 0 else { throw NetworkError.invalidParameter(.sigma, message: "must be finite and >= 0, got \(s)") }
    guard !samples.isEmpty else { throw NetworkError.badInput("debiasing needs at least one input") }
    let n = checkpoint.hiddenSize, f = checkpoint.activation
    let (lo, hi) = f.rangeBounds
    // Per input: the exact shift Δ_k and the sensitivity J_k = ∂h*/∂b =
    // (I − D_k W)⁻¹ D_k of the deterministic fixed point at m_k.
    let o = checkpoint.outputSize
    var normal = Matrix(rows: n + o, columns: n + o), rhs = [Double](repeating: 0, count: n + o)
    var count = [Int](repeating: 0, count: n)
    var closureReadout: [[Double]] = [], originalReadout: [[Double]] = [], means: [[Double]] = []
    for sample in samples {
      try checkpoint.requireClosureNoise()
      let net = try Network(checkpoint: checkpoint, input: sample.input)
      let settled = net.settle(from: [Double](repeating: 0, count: n))
      let c: GaussianClosure
      do {
        c = try net.continuedClosure(sigma: s, from: settled)
      } catch {
        // Name the input: a network that is near-marginal at one end of the
        // task's range fails there only.
        let radius = (try? NonsymmetricEigen.eigenvalues(net.mapJacobian(settled)).first?.magnitude).flatMap { $0 }
        let note = radius.map { String(format: " (spectral radius of the noiseless map at the state reached from h = 0: %.4f)", $0) } ?? ""
        throw NetworkError.atInput(sample.input, "the closure at sigma = \(s) could not be solved: \(error)\(note)")
      }
      let mu = net.preactivation(c.mean)
      var shift = [Double](repeating: 0, count: n), slope = [Double](repeating: 0, count: n)
      for i in 0..<n where f.derivative(mu[i]) > 0 && c.mean[i] > lo && c.mean[i] < hi {
        let target = f.inverse(c.mean[i])
        guard target.isFinite else { continue }
        shift[i] = target - mu[i]
        slope[i] = f.derivative(target)
        count[i] += 1
      }
      let j = try Self.sensitivity(recurrent: checkpoint.recurrent, slopes: slope)
      // Rows of this input: the readout W_out J_k (Δ − Δ_k) + δ_out, and the
      // state √λ J_k (Δ − Δ_k); unknowns (Δ, δ_out).
      let rows = Self.rows(readout: checkpoint.readoutWeights, sensitivity: j)
      Self.accumulate(rows, target: Self.apply(rows, shift + [Double](repeating: 0, count: o)), into: &normal, &rhs)
      means.append(c.mean)
      closureReadout.append(c.readoutMean)
      originalReadout.append(net.readout(settled))
    }
    Self.pin(count, &normal, &rhs)
    let first = Array(try LinearSystem.solve(normal, rhs).prefix(n))
    var k = checkpoint
    k.extraMetadata["debiased_sigma"] = "\(s)"
    // Gauss–Newton on the actual fixed points: the linearisation about m_k
    // is poor where Δ_k differs much between inputs or units switch side of
    // a kink. Each step linearises at the debiased network's fixed points
    // h_k (settled from h = 0, as a trial starts) and is halved until the
    // objective falls; at most `refinements` steps.
    var delta = first
    var offset = [Double](repeating: 0, count: o)
    var current = try Self.evaluate(
      checkpoint: checkpoint, delta: delta, offset: &offset, samples: samples, means: means, closureReadout: closureReadout)
    var steps = 0
    for _ in 0..<Self.refinements {
      var normal = Matrix(rows: n + o, columns: n + o), rhs = [Double](repeating: 0, count: n + o)
      var active = [Int](repeating: 0, count: n)
      for (index, h) in current.states.enumerated() {
        let net = try Network(checkpoint: current.checkpoint, input: samples[index].input)
        let slope = net.preactivation(h).map(f.derivative)
        for i in 0..<n where slope[i] > 0 { active[i] += 1 }
        let rows = Self.rows(readout: checkpoint.readoutWeights, sensitivity: try Self.sensitivity(recurrent: checkpoint.recurrent, slopes: slope))
        let target = zip(closureReadout[index], current.readouts[index]).map { $0 - $1 }
          + zip(means[index], h).map { Self.stateWeight.squareRoot() * ($0 - $1) }
        Self.accumulate(rows, target: target, into: &normal, &rhs)
      }
      Self.pin(active, &normal, &rhs)
      guard let step = try? LinearSystem.solve(normal, rhs) else { break }
      var scale = 1.0, accepted = false
      for _ in 0..<6 {
        var trialOffset = zip(offset, step[n...]).map { $0 + scale * $1 }
        let trialDelta = zip(delta, step.prefix(n)).map { $0 + scale * $1 }
        let trial = try Self.evaluate(
          checkpoint: checkpoint, delta: trialDelta, offset: &trialOffset, samples: samples, means: means,
          closureReadout: closureReadout)
        if trial.objective < current.objective {
          delta = trialDelta
          offset = trialOffset
          accepted = current.objective - trial.objective > 1e-9 * current.objective
          current = trial
          steps += 1
          break
        }
        scale /= 2
      }
      if !accepted { break }
    }
    k.bias = zip(checkpoint.bias, delta).map { $0 + $1 }
    k.readoutBias = zip(checkpoint.readoutBias, offset).map { $0 + $1 }
    let debiasedReadout = current.readouts
    original = checkpoint
    debiased = k
    self.sigma = s
    self.samples = samples
    biasChange = delta
    activeInputs = count
    readoutBiasChange = offset
    self.closureReadout = closureReadout
    self.originalReadout = originalReadout
    self.debiasedReadout = debiasedReadout
    refinementSteps = steps
  }

  struct Evaluation {
    var checkpoint: Checkpoint
    var states: [[Double]]
    var readouts: [[Double]]
    var objective: Double
  }

  /// The debiased network with bias b + Δ: its fixed points from h = 0 at
  /// every input, b_out + δ_out with δ_out refitted there (the mean readout
  /// mismatch: the least-squares constant), and the objective
  /// Σ_k ‖readout mismatch‖² + λ ‖h_k − m_k‖².
  static func evaluate(
    checkpoint: Checkpoint, delta: [Double], offset: inout [Double], samples: [TaskSample], means: [[Double]],
    closureReadout: [[Double]]
  ) throws -> Evaluation {
    var k = checkpoint
    k.bias = zip(checkpoint.bias, delta).map { $0 + $1 }
    var states: [[Double]] = [], raw: [[Double]] = []
    for sample in samples {
      let net = try Network(checkpoint: k, input: sample.input)
      let h = net.settle(from: [Double](repeating: 0, count: net.size))
      states.append(h)
      raw.append(net.readout(h))
    }
    let o = checkpoint.outputSize
    offset = (0..<o).map { r in zip(closureReadout, raw).reduce(0.0) { $0 + $1.0[r] - $1.1[r] } / Double(samples.count) }
    k.readoutBias = zip(checkpoint.readoutBias, offset).map { $0 + $1 }
    let readouts = raw.map { zip($0, offset).map { $0 + $1 } }
    var objective = 0.0
    for index in samples.indices {
      for r in 0..<o { objective += pow(readouts[index][r] - closureReadout[index][r], 2) }
      for i in 0..<k.hiddenSize { objective += stateWeight * pow(states[index][i] - means[index][i], 2) }
    }
    return Evaluation(checkpoint: k, states: states, readouts: readouts, objective: objective)
  }

  /// [W_out J, I; √λ J, 0]: the rows of one input, unknowns (Δ, δ_out).
  static func rows(readout: Matrix, sensitivity j: Matrix) -> Matrix {
    let n = j.rows, o = readout.rows
    var rows = Matrix(rows: o + n, columns: n + o)
    for r in 0..<o {
      for c in 0..<n {
        var v = 0.0
        for i in 0..<n { v += readout[r, i] * j[i, c] }
        rows[r, c] = v
      }
      rows[r, n + r] = 1
    }
    for r in 0..<n { for c in 0..<n { rows[o + r, c] = stateWeight.squareRoot() * j[r, c] } }
    return rows
  }

  static func apply(_ m: Matrix, _ x: [Double]) -> [Double] {
    (0..<m.rows).map { r in (0..<m.columns).reduce(0.0) { $0 + m[r, $1] * x[$1] } }
  }

  /// normal += MᵀM, rhs += Mᵀt.
  static func accumulate(_ m: Matrix, target t: [Double], into normal: inout Matrix, _ rhs: inout [Double]) {
    let mtm = SteinEquation.product(transposed(m), m, transposeB: false)
    for i in normal.elements.indices { normal.elements[i] += mtm.elements[i] }
    for c in 0..<m.columns {
      var v = 0.0
      for r in 0..<m.rows { v += m[r, c] * t[r] }
      rhs[c] += v
    }
  }

  /// A unit active at no input moves no fixed point (its J column is zero,
  /// so its row of the normal equations is too): pin its Δ (or step) at 0.
  static func pin(_ count: [Int], _ normal: inout Matrix, _ rhs: inout [Double]) {
    for i in count.indices where count[i] == 0 {
      for c in 0..<normal.columns {
        normal[i, c] = 0
        normal[c, i] = 0
      }
      normal[i, i] = 1
      rhs[i] = 0
    }
  }

  /// (I − D W)⁻¹ D, column by column through one LU factorisation.
  static func sensitivity(recurrent w: Matrix, slopes d: [Double]) throws -> Matrix {
    let n = d.count
    var a = Matrix(rows: n, columns: n)
    for i in 0..<n {
      for j in 0..<n { a[i, j] = -d[i] * w[i, j] }
      a[i, i] += 1
    }
    let lu = try LUDecomposition(a)
    var out = Matrix(rows: n, columns: n)
    for j in 0..<n where d[j] != 0 {
      var e = [Double](repeating: 0, count: n)
      e[j] = d[j]
      let col = try lu.solve(e)
      for i in 0..<n { out[i, j] = col[i] }
    }
    return out
  }

  static func transposed(_ m: Matrix) -> Matrix {
    var t = Matrix(rows: m.columns, columns: m.rows)
    for i in 0..<m.rows { for j in 0..<m.columns { t[j, i] = m[i, j] } }
    return t
  }

  static func rms(_ a: [[Double]], _ b: [[Double]]) -> Double {
    var s = 0.0, n = 0
    for (x, y) in zip(a, b) {
      for (p, q) in zip(x, y) {
        s += (p - q) * (p - q)
        n += 1
      }
    }
    return n == 0 ? 0 : (s / Double(n)).squareRoot()
  }

  /// The test loss of the original and the debiased network at σ_test = 0
  /// and at σ (TaskAnalysis over the same inputs and seeds).
  public func losses(simulation: NetworkSimulationOptions) throws -> (before: TaskAnalysis, after: TaskAnalysis) {
    var o = TaskAnalysis.Options()
    o.sigmas = [0, sigma]
    o.simulation = simulation
    return (
      try TaskAnalysis(checkpoint: original, samples: samples, options: o),
      try TaskAnalysis(checkpoint: debiased, samples: samples, options: o)
    )
  }
}

extension Network {
  /// The Gaussian closure at σ, continued from the deterministic state `h`
  /// in steps of at most 0.1 in σ so each solve starts near its root. A
  /// step whose solve fails is halved (down to 0.1/64) and the step size
  /// grows back after each success: where the closure's mean moves fast
  /// with σ (a unit crossing a kink), a 0.1 step can start the solver too
  /// far from the root.
  public func continuedClosure(sigma: Double, from h: [Double]) throws -> GaussianClosure {
    let largest = 0.1, smallest = largest / 64
    var m = h, level = 0.0, step = largest
    var last: GaussianClosure?
    while last == nil || level < sigma {
      let next = min(sigma, level + step)
      do {
        let c = try gaussianClosure(sigma: next, start: m)
        m = c.mean
        last = c
        level = next
        step = min(largest, 2 * step)
      } catch {
        guard step / 2 >= smallest else { throw error }
        step /= 2
      }
    }
    return last!
  }
}
