import CTRNN
import Foundation
import GSL
import SDE

/// The training loop, GSL style: `init` sets everything up once (initial
/// weights, Adam's moments, the data generator, the noise buffer) and each
/// `step()` is one mini-batch BPTT + Adam iteration. `Trainer.train` runs it
/// to the end; `bench train` times it — the same code, so the benchmark
/// measures what training does.
///
/// Seeding (unchanged from the first trainer, so checkpoints stay bit for
/// bit): initial weights from GSL's MT19937 at `seed`, trial data from
/// MT19937 at seed + 1, the noise of iteration k from Philox stream k of
/// seed + 2, its dropout masks (if any) from Philox stream k of seed + 4.
public struct TrainingLoop {
  /// Wall-clock seconds spent in each phase, summed over the steps so far.
  /// Four clock reads per step: nothing next to a BPTT pass.
  public struct PhaseSeconds: Sendable {
    public var batch = 0.0, noise = 0.0, bptt = 0.0, update = 0.0
    public var total: Double { batch + noise + bptt + update }
    public init() {}
  }

  public let task: any TrainingTask
  public let options: TrainingOptions
  public private(set) var parameters: Parameters
  /// Iterations done so far.
  public private(set) var iteration = 0
  /// The gradient norm of the last step, before clipping.
  public private(set) var gradientNorm = 0.0
  public private(set) var phases = PhaseSeconds()
  private var flat: [Double]
  private var adam: Adam
  private let data: GSLRandom
  /// T×B×N unit-SD variates of the dynamics' law, refilled in place each step.
  private var noise: [Double] = []
  /// The next iteration's Gaussian noise, drawn in the background.
  private let prefetch = NoisePrefetch<Double>()
  /// The float32 path's noise (`precision == .f32`): the 23-bit ziggurat on
  /// the same streams.
  private var noise32: [Float] = []
  private let prefetch32 = NoisePrefetch<Float>()
  /// BPTT's large buffers, kept across iterations (`BPTTWorkspace`).
  private let workspace = BPTTWorkspace<Double>()
  private let workspace32 = BPTTWorkspace<Float>()
  /// T×B×N dropout masks (`DropoutMasks`), empty without dropout (float64
  /// only: `TrainingOptions.validate` refuses dropout in float32).
  private var masks: [Double] = []

  public init(task: any TrainingTask, options o: TrainingOptions) throws {
    try o.validate()
    self.task = task
    options = o
    parameters = try Parameters.initial(hidden: o.hidden, inputs: task.inputSize, outputs: task.outputSize, seed: o.seed)
    flat = parameters.flat
    adam = Adam(count: flat.count, learningRate: o.learningRate)
    data = try GSLRandom(seed: UInt(truncatingIfNeeded: o.seed &+ 1))
  }

  /// One iteration: draw a batch, draw its noise, BPTT, clip, Adam with the
  /// cosine learning-rate schedule. Returns the mini-batch loss; throws
  /// `.diverged` on a non-finite loss (the parameters are then not updated).
  @discardableResult
  public mutating func step() throws(TrainingError) -> Double {
    let o = options, k = iteration
    var clock = DispatchTime.now().uptimeNanoseconds
    func lap() -> Double {
      let now = DispatchTime.now().uptimeNanoseconds
      defer { clock = now }
      return Double(now - clock) * 1e-9
    }
    let batch = task.batch(trials: o.batchSize, rng: data)
    phases.batch += lap()
    let count = o.dynamics.sigma > 0 ? batch.steps * batch.trials * o.hidden : 0
    // Noise annealing: σ at this iteration (the variates are the same).
    var dynamics = o.dynamics
    if o.sigmaSchedule != .constant { dynamics.sigma *= o.sigmaSchedule.factor(iteration: k, of: o.iterations) }
    let (loss, gradient): (Double, Parameters)
    if o.precision == .f32 {
      // Gaussian, or half-normal for gated noise (`TrainingOptions.validate` refuses other laws in f32).
      if count > 0 { prefetch32.next(seed: o.seed &+ 2, iteration: k, count: count, into: &noise32) }
      if count > 0, o.dynamics.law == .halfNormal { Self.foldHalfNormal(&noise32) }
      phases.noise += lap()
      (loss, gradient) = BPTT.lossAndGradient(parameters, batch, noise: count > 0 ? noise32 : nil, dynamics: dynamics, workspace: workspace32)
    } else {
      if count > 0 {
        if o.dynamics.law == .gaussian {
          // Philox stream k of seed + 2 by the C ziggurat: the same doubles as
          // GaussianStream(seed:stream:).fillGaussian.
          prefetch.next(seed: o.seed &+ 2, iteration: k, count: count, into: &noise)
        } else {
          if noise.count != count { noise = [Double](repeating: 0, count: count) }
          var g = GaussianStream(seed: o.seed &+ 2, stream: UInt64(k))
          let law = Network.variates(o.dynamics.law)
          noise.withUnsafeMutableBufferPointer { g.fill($0, law: law) }
        }
      }
      // Dropout masks from Philox stream k of seed + 4, so the noise is
      // what it is without dropout.
      if o.dynamics.dropout != nil {
        let size = batch.steps * batch.trials * o.hidden
        if masks.count != size { masks = [Double](repeating: 0, count: size) }
        DropoutMasks.fill(&masks, rate: o.dynamics.dropoutRate, seed: o.seed &+ 4, stream: UInt64(k))
      }
      phases.noise += lap()
      (loss, gradient) = BPTT.lossAndGradient(
        parameters, batch, noise: count > 0 ? noise : nil, masks: o.dynamics.dropout != nil ? masks : nil, dynamics: dynamics,
        workspace: workspace)
    }
    phases.bptt += lap()
    guard loss.isFinite else { throw .diverged("loss is \(loss) at iteration \(k + 1)") }
    var g = gradient.flat
    gradientNorm = clipGradientNorm(&g, maxNorm: o.clipNorm)
    let progressFraction = Double(k) / Double(max(1, o.iterations - 1))
    let schedule =
      o.finalLearningRateFraction + (1 - o.finalLearningRateFraction) * 0.5 * (1 + cos(Double.pi * progressFraction))
    adam.step(&flat, gradient: g, learningRate: o.learningRate * schedule)
    parameters = Parameters(flat: flat, like: parameters)
    phases.update += lap()
    iteration += 1
    return loss
  }
}

/// A type whose standard normals `GaussianStream.fill` draws in bulk.
protocol BulkNormal: BinaryFloatingPoint, Sendable {
  static func fill(seed: UInt64, stream: UInt64, _ buffer: UnsafeMutableBufferPointer<Self>)
}
extension Double: BulkNormal {
  static func fill(seed: UInt64, stream: UInt64, _ buffer: UnsafeMutableBufferPointer<Double>) {
    GaussianStream.fill(seed: seed, stream: stream, buffer)
  }
}
extension Float: BulkNormal {
  static func fill(seed: UInt64, stream: UInt64, _ buffer: UnsafeMutableBufferPointer<Float>) {
    GaussianStream.fill(seed: seed, stream: stream, buffer)
  }
}

/// Iteration k's noise is stream k of the noise seed: a function of k alone,
/// so while iteration k runs, k + 1's is drawn on another core. `next` is
/// called only from the thread that steps the loop and waits for the
/// background draw before touching its buffer, so the buffer is never shared
/// while being written (hence @unchecked Sendable). The values are the same
/// as drawing in place: prefetching changes when, not what.
final class NoisePrefetch<T: BulkNormal>: @unchecked Sendable {
  private let group = DispatchGroup()
  private var buffer: [T] = []
  private var iteration = -1
  private var pending = false

  /// Puts iteration k's `count` normals in `noise` (the prefetched ones when
  /// they are k's with this count, else drawn now) and starts drawing k + 1's.
  func next(seed: UInt64, iteration k: Int, count: Int, into noise: inout [T]) {
    if pending {
      group.wait()
      pending = false
    }
    if iteration == k, buffer.count == count {
      swap(&noise, &buffer)
    } else {
      if noise.count != count { noise = [T](repeating: 0, count: count) }
      noise.withUnsafeMutableBufferPointer { T.fill(seed: seed, stream: UInt64(k), $0) }
    }
    iteration = k + 1
    pending = true
    group.enter()
    DispatchQueue.global().async {
      if self.buffer.count != count { self.buffer = [T](repeating: 0, count: count) }
      self.buffer.withUnsafeMutableBufferPointer { T.fill(seed: seed, stream: UInt64(k + 1), $0) }
      self.group.leave()
    }
  }

  deinit { if pending { group.wait() } }
}
