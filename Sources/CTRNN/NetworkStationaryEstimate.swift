import Foundation
import GSL
import GaussianMoments
import SDE

/// Which dynamics a stationary ensemble runs.
public enum NetworkScheme: String, CaseIterable, Sendable, Codable {
  /// The exact discrete chain: the model itself.
  case chain
  /// Euler–Maruyama on the diffusion approximation, at step dt.
  case eulerMaruyama = "em"
  /// Milstein (diagonal correction) on the diffusion approximation, at step dt.
  case milstein
}

/// How long and how wide the stationary ensembles are.
public struct NetworkSimulationOptions: Sendable {
  public var trajectories = 64
  public var steps = 2_000
  public var burnIn = 400
  /// Record every `thin`-th step. The covariance costs N(N+1)/2 sums per
  /// record, which dominated the run time at thin = 1; successive states are
  /// correlated over ~1/(γ(1 − ρ)) steps (≈ 20 for the bundled model), so
  /// every 4th loses almost no information.
  public var thin = 4
  public var seed: UInt64 = 1
  public var threads = ProcessInfo.processInfo.activeProcessorCount
  /// float32 runs the exact chain in float32 (sgemm, vectorised kernels,
  /// float normals); statistics stay float64. The diffusion schemes are float64 only.
  public var precision: Precision = .f64
  /// Keep the state's N×N covariance and its standard errors. The readout's
  /// mean and variance are kept either way; the covariance costs N(N+1)/2
  /// sums per record and per batch (at N = 512 a sixth of the ensemble's
  /// CPU and 67 MB per σ), so `analyze`, which reports readouts only, turns
  /// it off.
  public var stateCovariance = true
  public init() {}

  public func validate() throws(NetworkError) {
    guard trajectories >= 2 else {
      throw .invalidParameter(.trajectories, message: "must be at least 2, got \(trajectories)")
    }
    guard steps >= 2 else { throw .invalidParameter(.steps, message: "must be at least 2, got \(steps)") }
    guard burnIn >= 0, burnIn < steps else {
      throw .invalidParameter(.burnIn, message: "must be in 0..<steps (\(steps)), got \(burnIn)")
    }
    guard threads >= 1 else { throw .invalidParameter(.threads, message: "must be at least 1, got \(threads)") }
    guard thin >= 1 else { throw .invalidParameter(.thin, message: "must be at least 1, got \(thin)") }
    guard (steps - burnIn) / thin >= 2 else {
      throw .invalidParameter(
        .steps,
        message: "(\(steps)) must exceed the burn-in (\(burnIn)) by at least \(2 * thin): every \(thin)th step after the burn-in is recorded and a standard error needs 2 records")
    }
  }
}

/// The stationary law of one ensemble: state mean and covariance, and the
/// readout's mean with its batch-means standard error.
public struct NetworkStationaryEstimate: Sendable {
  public var scheme: NetworkScheme
  public var sigma: Double
  public var mean: [Double]
  public var meanStandardError: [Double]
  /// nil when `NetworkSimulationOptions.stateCovariance` was off.
  public var covariance: Matrix?
  public var covarianceStandardError: Matrix?
  public var readoutMean: [Double]
  public var readoutStandardError: [Double]
  /// Var z_o of each readout z = W_out h + b_out: the batch-means
  /// estimate on z itself, equal to diag(W_out C W_outᵀ) of the simulated
  /// covariance up to rounding.
  public var readoutVariance: [Double]
  /// Batches behind each standard error (independent trajectories × batches each).
  public var batches: Int
  /// Some trajectory's final state, a start for the fixed-point search.
  public var finalStates: [[Double]]

  /// The state covariance and its standard errors, or an error saying the
  /// run was made without them.
  public func stateCovariance() throws(NetworkError) -> (value: Matrix, standardError: Matrix) {
    guard let covariance, let covarianceStandardError else {
      throw .badInput("this ensemble kept no state covariance (NetworkSimulationOptions.stateCovariance was off)")
    }
    return (covariance, covarianceStandardError)
  }
}

extension Network {
  /// Runs `scheme` from `h0` at noise σ and estimates the stationary law
  /// after the burn-in. `table` is the noise-in moment table at σ (EM and
  /// Milstein only). Trajectory j uses noise stream j of `options.seed`, so
  /// the result is the same on any number of threads.
  public func stationaryEstimate(
    sigma: Double, scheme: NetworkScheme, start h0: [Double], options: NetworkSimulationOptions, table: MomentTable?
  ) throws -> NetworkStationaryEstimate {
    try options.validate()
    let ensemble = ensembleOptions(options)
    var ensemble32 = ensemble
    ensemble32.precision = options.precision
    let solution: EnsembleSolution
    do {
      switch scheme {
      case .chain:
        solution = try Ensemble.solve(chain(sigma: sigma, initialState: h0, steps: options.steps), options: ensemble32)
      case .eulerMaruyama, .milstein:
        let problem = try diffusionApproximation(sigma: sigma, table: table, initialState: h0, steps: options.steps)
        solution = scheme == .milstein
          ? try Ensemble.solve(problem, Milstein(), options: ensemble)
          : try Ensemble.solve(problem, EulerMaruyama(), options: ensemble)
      }
    } catch SDEError.diverged(let j, let step, let failed, let m) {
      throw NetworkError.diverged(scheme: scheme.rawValue, sigma: sigma, trajectory: j, step: step, failed: failed, of: m)
    }
    return try estimate(solution, sigma: sigma, scheme: scheme, options: options)
  }

  /// The exact chain's stationary estimates at several (σ, start), each what
  /// `stationaryEstimate(sigma:scheme: .chain, …)` gives it alone (same
  /// options, seed and bytes), or its error. When one product over every
  /// chain's rows of a chunk gives each row the bits of a product over its
  /// own chain's rows (`RecurrentProduct.stacksExactly`, checked for these
  /// weights and chunk sizes), the chains run in lockstep with one product
  /// per step (`Ensemble.solveLockstep`); otherwise one after the other.
  public func chainStationaryEstimates(
    _ levels: [(sigma: Double, start: [Double])], options: NetworkSimulationOptions
  ) -> [Result<NetworkStationaryEstimate, any Error>] {
    let ensemble = ensembleOptions(options)
    let alone = { (level: (sigma: Double, start: [Double])) in
      Result { try self.stationaryEstimate(sigma: level.sigma, scheme: .chain, start: level.start, options: options, table: nil) }
    }
    guard options.precision == .f64, levels.count > 1, dropout == nil, noiseGate == nil, (try? options.validate()) != nil else {
      return levels.map(alone)
    }
    // Chains that cannot be built (a bad σ) keep their error; the rest may share a run.
    var results = [Result<NetworkStationaryEstimate, any Error>?](repeating: nil, count: levels.count)
    var chains: [MarkovChainProblem] = [], ready: [Int] = []
    for (i, level) in levels.enumerated() {
      do {
        chains.append(try chain(sigma: level.sigma, initialState: level.start, steps: options.steps))
        ready.append(i)
      } catch { results[i] = .failure(error) }
    }
    guard !chains.isEmpty else { return results.compactMap { $0 } }
    let last = options.trajectories % ensemble.chunkSize
    let sizes = Set([min(ensemble.chunkSize, options.trajectories), last == 0 ? ensemble.chunkSize : last])
    let product = RecurrentProduct(recurrent)
    // Chains in lockstep hold their sums together until the end: at most
    // `lockstepBytes` of them per group. With the state covariance, N = 512
    // and 64 trajectories take 67 MB per σ (groups of 3; N = 1024: 268 MB,
    // one σ at a time); without it (analyze) a few hundred KB, so every σ
    // runs in one group.
    let perChain = Ensemble.statisticsBytes(dimension: size, options: ensemble)
    let most = max(1, Int(Self.lockstepBytes / max(perChain, 1)))
    let groupCount = (chains.count + most - 1) / most, per = (chains.count + groupCount - 1) / groupCount
    for start in stride(from: 0, to: chains.count, by: per) {
      let group = start..<min(chains.count, start + per)
      let together = group.count > 1 && sizes.allSatisfy { product.stacksExactly(rows: $0, copies: group.count) }
      let solved = together
        ? Ensemble.solveLockstep(Array(chains[group]), options: [EnsembleOptions](repeating: ensemble, count: group.count))
        : group.map { k in Result { () throws(SDEError) in try Ensemble.solve(chains[k], options: ensemble) } }
      for (k, r) in zip(group, solved) {
        let i = ready[k], sigma = levels[i].sigma
        results[i] = Result {
          do {
            return try estimate(r.get(), sigma: sigma, scheme: .chain, options: options)
          } catch SDEError.diverged(let j, let step, let failed, let m) {
            throw NetworkError.diverged(
              scheme: NetworkScheme.chain.rawValue, sigma: sigma, trajectory: j, step: step, failed: failed, of: m)
          }
        }
      }
    }
    return results.compactMap { $0 }
  }

  /// The most stationary sums (bytes) chains in lockstep may hold at once.
  static let lockstepBytes = 256e6

  /// The ensemble options of a stationary run.
  func ensembleOptions(_ options: NetworkSimulationOptions) -> EnsembleOptions {
    // Chunks of 16 trajectories: small networks need several chunks to use
    // every core, and the chunking (fixed here, not by the thread count)
    // keeps results identical on any number of threads. From N = 256 on,
    // 32: each step's dgemm repacks all of W (N² doubles) whatever the
    // chunk, which at N = 512 and 16 rows took a fifth of the analysis.
    EnsembleOptions(
      trajectories: options.trajectories, seed: options.seed, threads: options.threads, chunkSize: size >= 256 ? 32 : 16,
      stationary: StationaryOptions(
        burnIn: options.burnIn, thin: options.thin, covariance: options.stateCovariance, projection: readoutProjection))
  }

  /// The readout z = W_out h + b_out as the ensembles' projection.
  var readoutProjection: StationaryProjection? {
    outputs > 0 ? StationaryProjection(weights: readoutWeights.elements, offsets: readoutBias) : nil
  }

  /// Mean, covariance and readout of a finished ensemble.
  func estimate(
    _ solution: EnsembleSolution, sigma: Double, scheme: NetworkScheme, options: NetworkSimulationOptions
  ) throws -> NetworkStationaryEstimate {
    if let first = solution.failures.min(by: { ($0.step, $0.trajectory) < ($1.step, $1.trajectory) }) {
      throw NetworkError.diverged(
        scheme: scheme.rawValue, sigma: sigma, trajectory: first.trajectory, step: first.step,
        failed: solution.failures.count, of: options.trajectories)
    }
    guard let st = solution.statistics, (st.covariance != nil) == options.stateCovariance else {
      throw SDEError.numerical("the ensemble returned no statistics")
    }
    var readoutMean: [Double] = [], readoutSE: [Double] = []
    for o in 0..<outputs {
      let r = st.linearFunctional(weights: (0..<size).map { readoutWeights[o, $0] }, offset: readoutBias[o])
      readoutMean.append(r.mean)
      readoutSE.append(r.standardError)
    }
    let finals = (0..<min(8, solution.trajectories)).map { Array(solution.finalState($0)) }
    return NetworkStationaryEstimate(
      scheme: scheme, sigma: sigma, mean: st.mean, meanStandardError: st.meanStandardError, covariance: st.covariance,
      covarianceStandardError: st.covarianceStandardError, readoutMean: readoutMean, readoutStandardError: readoutSE,
      readoutVariance: st.projection?.variance ?? [],
      batches: st.batches, finalStates: finals)
  }
}
