import CTRNN
import GSL
import GaussianMoments
import Foundation

/// The experiment behind the toolkit (Eckstein & Srinivasan 2026): train one
/// network per (noise placement, σ_train, seed), then measure its test loss
/// over a grid of σ_test. Noise-in networks should do best near σ_train (when
/// σ_train is large enough), noise-out networks at σ_test = 0.
///
/// Jobs are numbered placement-major, then σ_train, then seed; a shard k/n
/// runs the jobs whose number is ≡ k−1 (mod n), so a SLURM array can split a
/// sweep and `merge` can put it back together.
public struct ParadoxConfig: Codable, Sendable, Equatable {
  public var task: String
  public var activation: String
  public var hidden: Int
  public var iterations: Int
  public var batch: Int
  public var learningRate: Double
  public var clip: Double
  public var dt: Double
  public var tau: Double
  public var trialSteps: Int
  public var placements: [NoisePlacement]
  public var sigmaTrain: [Double]
  public var seeds: [UInt64]
  public var sigmaTest: [Double]
  /// Trials of the fixed test batch (the same for every job and σ_test:
  /// common random numbers make the loss curves directly comparable).
  public var evaluationTrials: Int
  /// The seed the test batch's inputs (and its noise streams) are drawn
  /// with: fixed, so every job is tested on the same trials and `mechanism`
  /// can predict the loss of exactly those trials.
  public static let testSeed: UInt64 = 20_260_602
  /// Independent noise samples per test point (the SE is over these).
  public var evaluationRepeats: Int
  /// `paradox --dropout`: Bernoulli dropout at this site instead of
  /// additive noise; `sigmaTrain` and `sigmaTest` then hold the dropout
  /// rates p_train and p_test, and σ is 0. Nil (and absent from the JSON,
  /// so other results are unchanged): additive noise.
  public var dropout: DropoutSite? = nil
  /// The model kind when it is not the CTRNN: "mlp" for `paradox --model
  /// mlp` (see `MLPParadox`; dt, tau and trialSteps are then 0, unused).
  /// nil, and absent from the JSON, for a CTRNN sweep, so those files are
  /// unchanged.
  public var model: String?
  /// The noise law of every job (nil: Gaussian, and absent from the JSON,
  /// so sweeps without it read and write as before).
  public var noiseLaw: NoiseLaw?
  /// Gulcehre's saturation gate on every job (placement out); nil: additive noise.
  public var gate: NoiseGate?

  /// What a placement of this sweep is, as printed: "in" for additive
  /// Gaussian noise, "in, laplace", "gated, half-normal".
  public func noiseLabel(_ placement: NoisePlacement) -> String {
    NoiseModel(placement: placement, law: noiseLaw ?? .gaussian, gate: gate).label
  }

  public init(
    task: String, activation: String, hidden: Int, iterations: Int, batch: Int, learningRate: Double, clip: Double,
    dt: Double, tau: Double, trialSteps: Int, placements: [NoisePlacement], sigmaTrain: [Double], seeds: [UInt64],
    sigmaTest: [Double], evaluationTrials: Int, evaluationRepeats: Int
  ) {
    self.task = task
    self.activation = activation
    self.hidden = hidden
    self.iterations = iterations
    self.batch = batch
    self.learningRate = learningRate
    self.clip = clip
    self.dt = dt
    self.tau = tau
    self.trialSteps = trialSteps
    self.placements = placements
    self.sigmaTrain = sigmaTrain
    self.seeds = seeds
    self.sigmaTest = sigmaTest
    self.evaluationTrials = evaluationTrials
    self.evaluationRepeats = evaluationRepeats
  }

  /// Every job of the grid, in job-number order.
  public var jobs: [ParadoxJob] {
    var out: [ParadoxJob] = []
    for p in placements { for s in sigmaTrain { for seed in seeds { out.append(ParadoxJob(noise: p, sigmaTrain: s, seed: seed)) } } }
    return out
  }

  /// The jobs of shard k of n (1 ≤ k ≤ n).
  public func jobs(shard k: Int, of n: Int) -> [ParadoxJob] {
    jobs.enumerated().filter { $0.offset % n == k - 1 }.map(\.element)
  }
}

/// One cell of the grid.
public struct ParadoxJob: Codable, Sendable, Hashable {
  public var noise: NoisePlacement
  public var sigmaTrain: Double
  public var seed: UInt64

  public init(noise: NoisePlacement, sigmaTrain: Double, seed: UInt64) {
    self.noise = noise
    self.sigmaTrain = sigmaTrain
    self.seed = seed
  }
}

/// A trained job's test-loss curve.
public struct ParadoxOutcome: Codable, Sendable, Equatable {
  public var job: ParadoxJob
  public var finalLoss: Double
  /// Test loss at each `config.sigmaTest`, and its noise standard error.
  public var testLoss: [Double]
  public var testStandardError: [Double]
  /// Where `paradox --keep` wrote the trained network: relative to the
  /// directory of the results file that lists it (or as given on the command
  /// line when the results went to stdout). nil when it was not kept — and
  /// then absent from the JSON, so results without --keep are unchanged.
  public var checkpoint: String?

  public init(job: ParadoxJob, finalLoss: Double, testLoss: [Double], testStandardError: [Double], checkpoint: String? = nil) {
    self.job = job
    self.finalLoss = finalLoss
    self.testLoss = testLoss
    self.testStandardError = testStandardError
    self.checkpoint = checkpoint
  }
}

/// The results of one shard, or of a merged sweep.
public struct ParadoxResults: Codable, Sendable {
  public static let formatVersion = "fixedpoints-paradox/1"
  public var format = ParadoxResults.formatVersion
  public var config: ParadoxConfig
  /// "k/n" for a shard, "all" for a whole or merged sweep.
  public var shard: String
  public var outcomes: [ParadoxOutcome]

  public init(config: ParadoxConfig, shard: String, outcomes: [ParadoxOutcome]) {
    self.config = config
    self.shard = shard
    self.outcomes = outcomes
  }

  /// Jobs of the grid with no outcome yet.
  public var missing: [ParadoxJob] {
    let done = Set(outcomes.map(\.job))
    return config.jobs.filter { !done.contains($0) }
  }
}

extension ParadoxConfig {
  /// Trains the job and measures its test-loss curve.
  public func run(_ job: ParadoxJob, task: any TrainingTask) throws -> ParadoxOutcome {
    try train(job, task: task).outcome
  }

  /// Trains the job and measures its test-loss curve, and returns the trained
  /// network too (as the checkpoint `--keep` writes), with its curve.
  public func train(_ job: ParadoxJob, task: any TrainingTask) throws -> KeptNetwork {
    guard let f = Activation(rawValue: activation) else {
      throw TrainingError.invalidOption("activation", "unknown activation '\(activation)'")
    }
    var o = TrainingOptions(
      dynamics: Dynamics(activation: f, noise: job.noise, sigma: job.sigmaTrain, dt: dt, tau: tau, law: noiseLaw ?? .gaussian, gate: gate))
    if let dropout {
      o.dynamics.sigma = 0
      o.dynamics.dropout = dropout
      o.dynamics.dropoutRate = job.sigmaTrain
    }
    o.hidden = hidden
    o.iterations = iterations
    o.batchSize = batch
    o.learningRate = learningRate
    o.clipNorm = clip
    o.seed = job.seed
    let result = try Trainer.train(task: task, options: o)
    var losses: [Double] = [], errors: [Double] = []
    for sigma in sigmaTest {
      var d = o.dynamics
      if dropout != nil { d.dropoutRate = sigma } else { d.sigma = sigma }
      // One test batch for every job and σ (seed fixed): common random numbers.
      let e = try Trainer.evaluate(result.parameters, task: task, dynamics: d, trials: evaluationTrials, seed: Self.testSeed, repeats: evaluationRepeats)
      losses.append(e.loss)
      errors.append(e.standardError)
    }
    let outcome = ParadoxOutcome(job: job, finalLoss: result.finalLoss, testLoss: losses, testStandardError: errors)
    // The same metadata keys as `train` writes, so a kept network reads like a trained one.
    let metadata = [
      "trained_by": "fixedpoints paradox", "iterations": "\(iterations)", "batch": "\(batch)", "lr": "\(learningRate)",
      "clip": "\(clip)", "trial_steps": "\(task.steps)", "task_summary": task.summary,
    ]
    let checkpoint = try result.parameters.checkpoint(
      dynamics: o.dynamics, task: task.name, seed: job.seed, loss: result.finalLoss, extraMetadata: metadata)
    return KeptNetwork(checkpoint: checkpoint, curve: KeptCurve(outcome: outcome, sigmaTest: sigmaTest))
  }

  /// The inputs and targets of the test batch every job is measured on.
  public func testBatch(task: any TrainingTask) throws -> TrialBatch {
    task.batch(trials: evaluationTrials, rng: try GSLRandom(seed: UInt(truncatingIfNeeded: Self.testSeed)))
  }
}
