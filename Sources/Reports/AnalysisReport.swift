import CTRNN
import Foundation

/// The `analyze` report: one checkpoint at one constant input. Its JSON
/// shape (keys are the property names in snake_case, through `JSONOutput`)
/// is the documented one; the tables and files are in
/// AnalysisReport+Tables.swift, the verdict in AnalysisVerdict.swift.
public struct AnalysisReport: Encodable, Sendable {
  public struct Model: Encodable, Sendable {
    public var path: String
    public var hidden, inputs, outputs: Int
    public var activation, noise: String
    public var sigmaTrain, dt, tau, gamma: Double
    public var task, targetFormula, seed: String?
    public var loss: Double?
    public var input: [Double]
    public var target: [Double]?
  }
  public struct FixedPoint: Encodable, Sendable {
    public var h: [Double]
    public var residual, spectralRadius: Double
    public var stable: Bool
    public var readout: [Double]
    public var reference: Bool
    /// Where the mean-field branch continued from this point ends (nil: it
    /// reaches the largest sigma_test), and why.
    public var branchEndedAt: Double?
    public var branchEndReason: String?
    /// Eigenvalues of the map's Jacobian (1-g)I + g diag(f') W as [re, im],
    /// by decreasing magnitude.
    public var eigenvalues: [[Double]]
    /// The number of eigenvalues with |lambda| > 1 (0: an attractor).
    public var index: Int
    public var unstableModes: [Mode]
    /// The stable mode with the largest |lambda|; nil when none is stable.
    public var slowestMode: Mode?
    /// How many search starts reached this point.
    public var timesFound: Int
  }
  /// An eigenpair: eigenvalue [re, im], unit eigenvector as [re, im] per unit.
  public struct Mode: Encodable, Sendable {
    public var eigenvalue: [Double]
    public var vector: [[Double]]
  }
  /// The fixed-point search: what it used, why it stopped, how complete it looks.
  public struct Search: Encodable, Sendable {
    public var startsUsed, batches: Int
    public var newPerBatch: [Int]
    public var stoppingReason: String
    public var distinct, foundOnce: Int
    public var randomStarts, runsPerBatch, patience, maxStarts: Int
    public var samplingSigma, residualTolerance, uniquenessTolerance, outlierDistanceScale: Double
    public var outliersExcluded: Int
    public var outlierDistance: Double?
    /// The slow-point speed threshold q, when slow points were asked for.
    public var slowPointMaxQ: Double?
  }
  public struct Slow: Encodable, Sendable {
    public var h, readout: [Double]
    public var q, gradientNorm: Double
  }
  public struct BranchPoint: Encodable, Sendable {
    public var sigma: Double
    public var h, readout: [Double]
    public var spectralRadius: Double
  }
  public struct Branch: Encodable, Sendable {
    public var points: [BranchPoint]
    public var endedAt: Double?
    public var endReason: String?
  }
  public struct SchemeEstimate: Encodable, Sendable {
    public var scheme: String
    public var readoutMean, readoutSe, readoutVariance: [Double]
    public var zVsChain: [Double]?
  }
  public struct Level: Encodable, Sendable {
    public var sigma: Double
    public var analyticMeanField: [Double]?
    public var analyticClosure: [Double]?
    public var closureReadoutVariance: [Double]?
    public var closureFailure: String?
    public var simulatedMean, simulatedSe, bias: [Double]
    public var analyticBias: [Double]?
    public var z: [Double]?
    public var outputError, outputErrorClosure: Double?
    public var schemes: [SchemeEstimate]
    /// Small-noise expansion of the readout about the reference fixed point
    /// (nil where it failed), and the units whose term is O(sigma) (at a
    /// kink); every other unit's is O(sigma^2).
    public var analyticSmallNoise: [Double]? = nil
    public var smallNoiseKinkUnits: [Int]? = nil
    /// Only with ≥ 2 stable fixed points (AnalysisReport+Multistable.swift).
    public var multistable: Multistable? = nil
  }

  public var model: Model
  public var fixedPoints: [FixedPoint]
  public var search: Search
  /// nil unless slow points were asked for.
  public var slowPoints: [Slow]?
  public var branch: Branch
  public var noiseLevels: [Level]
  public var optimumSigma: Double?
  public var worstZ: Double?
  public var verdict: String
  public var methods: [String: String]

  public init(_ a: NetworkAnalysis, path: String) {
    let k = a.checkpoint
    model = Model(
      path: path, hidden: k.hiddenSize, inputs: k.inputSize, outputs: k.outputSize, activation: k.activation.rawValue,
      noise: k.noise.label, sigmaTrain: k.sigmaTrain, dt: k.dt, tau: k.tau, gamma: k.gamma, task: k.task,
      targetFormula: a.task?.formula, seed: k.seed, loss: k.loss, input: a.network.input, target: a.target)
    fixedPoints = zip(a.fixedPoints, a.branches).map { p, b in
      FixedPoint(
        h: p.h, residual: p.residual, spectralRadius: p.spectralRadius, stable: p.stable, readout: p.readout,
        reference: p.h == a.reference.h, branchEndedAt: b.endedAt, branchEndReason: b.outcome.endReason,
        eigenvalues: p.eigenvalues.map { [$0.real, $0.imaginary] }, index: p.index,
        unstableModes: p.unstableModes.map(Self.mode), slowestMode: p.slowestMode.map(Self.mode), timesFound: p.timesFound)
    }
    let r = a.search, so = r.options
    search = Search(
      startsUsed: r.startsUsed, batches: r.batches, newPerBatch: r.newPerBatch, stoppingReason: r.stoppingReason.rawValue,
      distinct: r.distinct, foundOnce: r.foundOnce, randomStarts: so.randomStarts, runsPerBatch: so.runsPerBatch,
      patience: so.patience, maxStarts: so.maxStarts, samplingSigma: so.samplingSigma, residualTolerance: so.residualTolerance,
      uniquenessTolerance: so.uniquenessTolerance, outlierDistanceScale: so.outlierDistanceScale,
      outliersExcluded: r.outliersExcluded, outlierDistance: r.outlierDistance, slowPointMaxQ: a.options.slowPointSpeed)
    slowPoints = a.options.slowPointSpeed == nil
      ? nil : a.slowPoints.map { Slow(h: $0.h, readout: $0.readout, q: $0.speed, gradientNorm: $0.gradientNorm) }
    branch = Branch(
      points: a.branch.points.map { BranchPoint(sigma: $0.sigma, h: $0.h, readout: $0.readout, spectralRadius: $0.spectralRadius) },
      endedAt: a.branch.endedAt, endReason: a.branch.outcome.endReason)
    let expansions = a.smallNoiseExpansions()
    noiseLevels = zip(a.levels, expansions).map { l, e in
      let chain = l.simulated.first { $0.scheme == .chain }
      return Level(
        sigma: l.sigma, analyticMeanField: l.meanField, analyticClosure: l.closure?.readoutMean,
        closureReadoutVariance: l.closure?.readoutVariance, closureFailure: l.closureFailure,
        simulatedMean: l.simulatedMean, simulatedSe: l.simulatedStandardError, bias: l.bias,
        analyticBias: l.closure.map { zip($0.readoutMean, a.reference.readout).map { $0 - $1 } }, z: l.z,
        outputError: l.outputError, outputErrorClosure: l.outputErrorClosure,
        schemes: l.simulated.map { AnalysisReport.schemeEstimate($0, chain: chain) },
        analyticSmallNoise: e?.readoutMean, smallNoiseKinkUnits: e.map { x in x.order.indices.filter { x.order[$0] == .sigma } },
        multistable: l.multistable.map { Multistable($0, referenceLeaves: a.referenceLeaves(l)) })
    }
    optimumSigma = a.optimum?.sigma
    worstZ = a.worstZ
    verdict = AnalysisVerdict(a).text
    let o = a.options.simulation
    methods = [
      "fixed_points": "GSL hybridsj (analytic Jacobian) from \(a.options.search.randomStarts) random starts, the state reached from h = 0 and simulated states; deduplicated; stability from the eigenvalues of (1-g)I + g diag(f') W",
      "search": "then batches of \(a.options.search.runsPerBatch) runs of the map from random states (noiseless: settled state and slowest states on the way; noisy at sigma = \(a.options.search.samplingSigma): halfway and final states), their initial states and midpoints of found points, until \(a.options.search.patience) batches find nothing new or \(a.options.search.maxStarts) starts are used; roots equal within \(a.options.search.uniquenessTolerance) (1 + max|h|) are one; roots farther than \(a.options.search.outlierDistanceScale) x the mean distance of the starts from their centroid are dropped",
      "analytic_mean_field": a.checkpoint.noise == .inside
        ? "h = E f(Wh + c + sigma xi) by hybridsj with closed-form/quadrature Gaussian moments, continued in sigma (steps <= 0.05) from the reference fixed point"
        : "noise outside f leaves the mean-field point at the deterministic fixed point",
      "analytic_small_noise": "first correction about the reference fixed point: (I - D W)^-1 beta, beta_i = f''(mu_i)/2 * s_i^2 (s_i^2 = sigma^2 [noise-in] + diag(W C W^T), C from the Stein equation of the chain linearised at the fixed point); units within \(SmallNoiseExpansion.kinkThreshold) sd of a kink (small_noise_kink_units) use the exact Gaussian bias E f(mu + s xi) - f(mu), O(sigma)",
      "analytic_closure": "Gaussian closure h ~ N(m, C): m = E f(x), C = A C A^T + Q (Smith doubling), iterated to a relative change < 1e-12 (or until the observed contraction puts C within 1e-12 of its fixed point)",
      "simulated_mean": "exact discrete chain, \(o.trajectories) trajectories x \(o.steps) steps, first \(o.burnIn) discarded, started at the closure mean; SE by batch means over independent trajectories; noise stream j of seed \(o.seed) for trajectory j",
      "schemes": "em/milstein: the diffusion approximation (drift (m - h)/tau, diffusion sqrt(dt v)/tau) at step dt; the k-th scheme of --schemes uses seed + k (independent noise); z_vs_chain = difference / combined SE",
      "bias": "simulated readout minus the readout of the sigma = 0 reference fixed point",
      "z": "(simulated - closure)/SE of the simulated mean; |z| <= 3 is agreement within Monte-Carlo error; with several attractors, 'leaves' (and no part in worst_z) where the reference ensemble leaves its attractor",
      "output_error": "mean over outputs of (E z - target)^2 + Var z, from the simulated mean and covariance (output_error_closure: from the closure's)",
    ]
    if a.levels.contains(where: { $0.multistable != nil }) {
      methods["multistable"] = Self.multistableMethod(a.options.occupancy, seed: o.seed)
    }
  }

  static func mode(_ m: NetworkFixedPoint.Mode) -> Mode {
    Mode(eigenvalue: [m.eigenvalue.real, m.eigenvalue.imaginary], vector: m.vector.map { [$0.real, $0.imaginary] })
  }

  /// One scheme's readout, with its z-score against the chain's (both
  /// standard errors combined: each scheme runs on its own seed, seed + its
  /// position in the scheme list, so the ensembles are independent).
  public static func schemeEstimate(_ e: NetworkStationaryEstimate, chain: NetworkStationaryEstimate?) -> SchemeEstimate {
    var z: [Double]?
    if let c = chain, e.scheme != .chain {
      z = (0..<e.readoutMean.count).map { o -> Double in
        let se2 = e.readoutStandardError[o] * e.readoutStandardError[o] + c.readoutStandardError[o] * c.readoutStandardError[o]
        return (e.readoutMean[o] - c.readoutMean[o]) / se2.squareRoot()
      }
    }
    return SchemeEstimate(
      scheme: e.scheme.rawValue, readoutMean: e.readoutMean, readoutSe: e.readoutStandardError,
      readoutVariance: e.readoutVariance, zVsChain: z)
  }
}
