import Feedforward
import Foundation
import GSL
import GaussianMoments

/// The paradox experiment for feedforward networks (`paradox --model mlp`):
/// per (placement, σ_train, seed) an MLP trained by `MLPTrainer` on the
/// function task, then its test loss E(z(u) − sin πu)² at every σ_test on one
/// fixed test batch — `evaluationTrials` evenly spaced inputs of [−1, 1] —
/// averaged over `evaluationRepeats` independent noise samples (the SE is
/// theirs; repeat r uses the same draws at every σ_test and for every job:
/// common random numbers). The results are `ParadoxResults` with
/// `config.model = "mlp-L"` and task "mlp-function" or "mlp-moons", so `table`, `merge` and
/// the summary read them as they read a CTRNN sweep.
public enum MLPParadox {
  /// The results' task name for an MLP task: "mlp-function", "mlp-moons".
  public static func taskName(_ t: MLPTask) -> String { "mlp-" + t.rawValue }

  static func mlpTask(_ c: ParadoxConfig) throws -> MLPTask {
    guard c.task.hasPrefix("mlp-"), let t = MLPTask(rawValue: String(c.task.dropFirst(4))) else {
      throw TrainingError.invalidOption("task", "'\(c.task)' is not an mlp task")
    }
    return t
  }

  public static func config(
    task: MLPTask = .function, activation: Activation, hidden: Int, hiddenLayers: Int, iterations: Int, batch: Int, learningRate: Double, clip: Double,
    placements: [NoisePlacement], sigmaTrain: [Double], seeds: [UInt64], sigmaTest: [Double], evaluationTrials: Int,
    evaluationRepeats: Int
  ) -> ParadoxConfig {
    var c = ParadoxConfig(
      task: taskName(task), activation: activation.rawValue, hidden: hidden, iterations: iterations, batch: batch,
      learningRate: learningRate, clip: clip, dt: 0, tau: 0, trialSteps: 0, placements: placements, sigmaTrain: sigmaTrain,
      seeds: seeds, sigmaTest: sigmaTest, evaluationTrials: evaluationTrials, evaluationRepeats: evaluationRepeats)
    c.model = "mlp-\(hiddenLayers)"
    return c
  }

  /// Hidden layers of a config written by `config` ("mlp-L").
  static func hiddenLayers(_ c: ParadoxConfig) throws -> Int {
    guard let m = c.model, m.hasPrefix("mlp-"), let l = Int(m.dropFirst(4)), (1...16).contains(l) else {
      throw TrainingError.invalidOption("model", "'\(c.model ?? "none")' is not an mlp-L sweep")
    }
    return l
  }

  public static func run(_ job: ParadoxJob, config c: ParadoxConfig) throws -> ParadoxOutcome {
    let layers = try hiddenLayers(c)
    guard let activation = Activation(rawValue: c.activation) else {
      throw TrainingError.invalidOption("activation", "'\(c.activation)' is not an activation")
    }
    let task = try mlpTask(c)
    var o = MLPTrainer.Options(
      sizes: [task.inputs] + Array(repeating: c.hidden, count: layers) + [1], activation: activation, noise: job.noise, sigma: job.sigmaTrain)
    o.iterations = c.iterations
    o.batchSize = c.batch
    o.learningRate = c.learningRate
    o.clipNorm = c.clip
    o.seed = job.seed
    let trained = try MLPTrainer.train(task: task.rawValue, options: o)
    let (loss, se) = try testLoss(trained.net, config: c)
    return ParadoxOutcome(job: job, finalLoss: trained.finalLoss, testLoss: loss, testStandardError: se)
  }

  /// The test loss and its SE at every σ_test of the config: function,
  /// E(z − sin πu)² over evenly spaced u; moons, the logistic loss over
  /// `TwoMoons.evaluationBatch`.
  public static func testLoss(_ net: MLP, config c: ParadoxConfig) throws -> (loss: [Double], se: [Double]) {
    let n = c.evaluationTrials, repeats = c.evaluationRepeats
    let task = try mlpTask(c)
    let batch: [(input: [Double], target: Double)]
    switch task {
    case .function: batch = MLPTaskLoss.midpoints(n).map { ([$0], sin(Double.pi * $0)) }
    case .moons: batch = TwoMoons.evaluationBatch(n)
    }
    var loss: [Double] = [], se: [Double] = []
    for sigma in c.sigmaTest {
      var perRepeat: [Double] = []
      for r in 0..<repeats {
        let rng = try GSLRandom(seed: UInt(ParadoxConfig.testSeed) &+ UInt(r))
        var sum = 0.0
        for sample in batch {
          let z = try net.noisyOutput(sample.input, sigma: sigma, noise: { rng.gaussian() })[0]
          switch task {
          case .function: sum += (z - sample.target) * (z - sample.target)
          case .moons: sum += MLPTask.logisticLoss(z, sample.target)
          }
        }
        perRepeat.append(sum / Double(n))
      }
      let mean = perRepeat.reduce(0, +) / Double(repeats)
      let variance = repeats > 1 ? perRepeat.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(repeats - 1) : 0
      loss.append(mean)
      se.append((variance / Double(repeats)).squareRoot())
    }
    return (loss, se)
  }
}
