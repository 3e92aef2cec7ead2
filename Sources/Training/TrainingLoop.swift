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
/// seed + 2.
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
  /// T×B×N standard normals, refilled in place each step.
  private var noise: [Double]
  /// T×B×N dropout masks (`DropoutMasks`), empty without dropout.
  private var masks: [Double] = []

  public init(task: any TrainingTask, options o: TrainingOptions) throws {
    try o.validate()
    self.task = task
    options = o
    parameters = try Parameters.initial(hidden: o.hidden, inputs: task.inputSize, outputs: task.outputSize, seed: o.seed)
    flat = parameters.flat
    adam = Adam(count: flat.count, learningRate: o.learningRate)
    data = try GSLRandom(seed: UInt(truncatingIfNeeded: o.seed &+ 1))
    noise = o.dynamics.sigma > 0 ? [Double](repeating: 0, count: task.steps * o.batchSize * o.hidden) : []
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
    if o.dynamics.sigma > 0 {
      let count = batch.steps * batch.trials * o.hidden
      if noise.count != count { noise = [Double](repeating: 0, count: count) }
      var g = GaussianStream(seed: o.seed &+ 2, stream: UInt64(k))
      noise.withUnsafeMutableBufferPointer { g.fillGaussian($0) }
    }
    if o.dynamics.dropout != nil {
      let count = batch.steps * batch.trials * o.hidden
      if masks.count != count { masks = [Double](repeating: 0, count: count) }
      DropoutMasks.fill(&masks, rate: o.dynamics.dropoutRate, seed: o.seed &+ 4, stream: UInt64(k))
    }
    phases.noise += lap()
    let (loss, gradient) = BPTT.lossAndGradient(
      parameters, batch, noise: o.dynamics.sigma > 0 ? noise : nil, masks: o.dynamics.dropout != nil ? masks : nil,
      dynamics: o.dynamics)
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
