import CTRNN
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
  public var placements: [String]
  public var sigmaTrain: [Double]
  public var seeds: [UInt64]
  public var sigmaTest: [Double]
  /// Trials of the fixed test batch (the same for every job and σ_test:
  /// common random numbers make the loss curves directly comparable).
  public var evaluationTrials: Int
  /// Independent noise samples per test point (the SE is over these).
  public var evaluationRepeats: Int

  public init(
    task: String, activation: String, hidden: Int, iterations: Int, batch: Int, learningRate: Double, clip: Double,
    dt: Double, tau: Double, trialSteps: Int, placements: [String], sigmaTrain: [Double], seeds: [UInt64],
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
  public var noise: String
  public var sigmaTrain: Double
  public var seed: UInt64
}

/// A trained job's test-loss curve.
public struct ParadoxOutcome: Codable, Sendable, Equatable {
  public var job: ParadoxJob
  public var finalLoss: Double
  /// Test loss at each `config.sigmaTest`, and its noise standard error.
  public var testLoss: [Double]
  public var testStandardError: [Double]
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

  /// Combines shards of one sweep: same config, no job with two different
  /// outcomes (an identical duplicate — the same shard given twice — is kept once).
  public static func merge(_ parts: [ParadoxResults]) throws(TrainingError) -> ParadoxResults {
    guard let first = parts.first else { throw .invalidOption("merge", "needs at least one results file") }
    var byJob: [ParadoxJob: ParadoxOutcome] = [:]
    for part in parts {
      guard part.format == formatVersion else {
        throw .invalidOption("merge", "unknown results format '\(part.format)' (expected \(formatVersion))")
      }
      guard part.config == first.config else {
        throw .invalidOption("merge", "the files come from different sweeps (their configurations differ)")
      }
      guard !part.config.sigmaTest.isEmpty else { throw .invalidOption("merge", "the sweep has no sigma_test values") }
      let grid = Set(first.config.jobs)
      for o in part.outcomes {
        // A results file is user input: check it fits its own grid before
        // anything indexes into it.
        guard grid.contains(o.job), o.testLoss.count == part.config.sigmaTest.count,
          o.testStandardError.count == part.config.sigmaTest.count
        else {
          throw .invalidOption(
            "merge", "job noise-\(o.job.noise) sigma_train=\(o.job.sigmaTrain) seed=\(o.job.seed) does not fit the sweep's grid")
        }
        if let seen = byJob[o.job], seen != o {
          throw .invalidOption("merge", "job noise-\(o.job.noise) sigma_train=\(o.job.sigmaTrain) seed=\(o.job.seed) has two different results")
        }
        byJob[o.job] = o
      }
    }
    let order = first.config.jobs
    let outcomes = order.compactMap { byJob[$0] }
    return ParadoxResults(config: first.config, shard: "all", outcomes: outcomes)
  }
}

/// One row of the paradox table: a placement and σ_train, averaged over seeds.
public struct ParadoxSummaryRow: Sendable, Encodable {
  public var noise: String
  public var sigmaTrain: Double
  public var seeds: Int
  /// Seed-averaged test loss at each σ_test.
  public var meanLoss: [Double]
  /// Its standard error: across seeds when there are ≥ 2 (training
  /// variability included), else the noise SE of the one seed.
  public var standardError: [Double]
  public var bestSigmaTest: Double
  public var lossAtBest: Double
  public var lossAtZero: Double?
  /// Loss at the grid point nearest σ_train.
  public var lossAtTrain: Double?
  public var sigmaTestNearestTrain: Double?
}

extension ParadoxResults {
  public var summary: [ParadoxSummaryRow] {
    var rows: [ParadoxSummaryRow] = []
    let grid = config.sigmaTest
    guard !grid.isEmpty else { return [] }
    for p in config.placements {
      for s in config.sigmaTrain {
        let runs = outcomes.filter { $0.job.noise == p && $0.job.sigmaTrain == s && $0.testLoss.count == grid.count }
        guard !runs.isEmpty else { continue }
        let k = Double(runs.count)
        let mean = grid.indices.map { i in runs.reduce(0) { $0 + $1.testLoss[i] } / k }
        let se = grid.indices.map { i -> Double in
          if runs.count >= 2 {
            let ss = runs.reduce(0) { $0 + ($1.testLoss[i] - mean[i]) * ($1.testLoss[i] - mean[i]) }
            return (ss / (k - 1) / k).squareRoot()
          }
          return runs[0].testStandardError[i]
        }
        let best = mean.indices.min { mean[$0] < mean[$1] }!
        let zero = grid.firstIndex(of: 0)
        let train = grid.indices.min { abs(grid[$0] - s) < abs(grid[$1] - s) }
        rows.append(ParadoxSummaryRow(
          noise: p, sigmaTrain: s, seeds: runs.count, meanLoss: mean, standardError: se, bestSigmaTest: grid[best],
          lossAtBest: mean[best], lossAtZero: zero.map { mean[$0] }, lossAtTrain: train.map { mean[$0] },
          sigmaTestNearestTrain: train.map { grid[$0] }))
      }
    }
    return rows
  }
}

extension ParadoxConfig {
  /// Trains the job and measures its test-loss curve.
  public func run(_ job: ParadoxJob, task: any TrainingTask) throws -> ParadoxOutcome {
    guard let noise = NoisePlacement(rawValue: job.noise), let f = Activation(rawValue: activation) else {
      throw TrainingError.invalidOption("--noise", "unknown placement '\(job.noise)' or activation '\(activation)'")
    }
    var o = TrainingOptions(dynamics: Dynamics(activation: f, noise: noise, sigma: job.sigmaTrain, dt: dt, tau: tau))
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
      d.sigma = sigma
      // One test batch for every job and σ (seed fixed): common random numbers.
      let e = try Trainer.evaluate(result.parameters, task: task, dynamics: d, trials: evaluationTrials, seed: 20_260_602, repeats: evaluationRepeats)
      losses.append(e.loss)
      errors.append(e.standardError)
    }
    return ParadoxOutcome(job: job, finalLoss: result.finalLoss, testLoss: losses, testStandardError: errors)
  }
}
