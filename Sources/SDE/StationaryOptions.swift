/// Which part of each trajectory estimates the stationary law, and how.
public struct StationaryOptions: Sendable, Equatable {
  /// Steps discarded at the start of every trajectory.
  public var burnIn: Int
  /// Record every `thin`-th step after the burn-in.
  public var thin: Int
  /// Time batches per trajectory for the batch-means standard errors. nil:
  /// ⌈32 / trajectories⌉, so that at least 32 batch means enter every
  /// standard error; with ≥ 32 trajectories each trajectory is one batch and
  /// the batch means are exactly independent.
  public var batchesPerTrajectory: Int?
  /// Keep the full covariance (n(n+1)/2 sums per batch) and its standard
  /// errors; variances are always kept.
  public var covariance: Bool
  /// A histogram of one coordinate, with batch-means standard errors per bin.
  public var histogram: HistogramSpec?
  /// Linear maps of the state whose means and variances are wanted (a
  /// network's readout): 2k sums per batch where their variances from the
  /// covariance would need all n(n+1)/2.
  public var projection: StationaryProjection?

  public init(
    burnIn: Int, thin: Int = 1, batchesPerTrajectory: Int? = nil, covariance: Bool = true,
    histogram: HistogramSpec? = nil, projection: StationaryProjection? = nil
  ) {
    self.burnIn = burnIn
    self.thin = thin
    self.batchesPerTrajectory = batchesPerTrajectory
    self.covariance = covariance
    self.histogram = histogram
    self.projection = projection
  }
}

/// y = P x + offset for the state x (n) and P k×n: the quantities whose
/// stationary mean and variance `StationaryStatistics.projection` reports.
/// Its variance estimate is the covariance's pᵀ C p for each row p of P —
/// the same batch-means estimator, taken on y instead of on x.
public struct StationaryProjection: Sendable, Equatable {
  /// P, k×n row-major.
  public var weights: [Double]
  public var offsets: [Double]
  public var count: Int { offsets.count }

  public init(weights: [Double], offsets: [Double]) {
    self.weights = weights
    self.offsets = offsets
  }
}

/// Equal-width bins of coordinate `coordinate` on [lower, upper).
public struct HistogramSpec: Sendable, Equatable {
  public var coordinate: Int
  public var lower: Double
  public var upper: Double
  public var bins: Int

  public init(coordinate: Int = 0, lower: Double, upper: Double, bins: Int) {
    self.coordinate = coordinate
    self.lower = lower
    self.upper = upper
    self.bins = bins
  }

  public var binWidth: Double { (upper - lower) / Double(bins) }
  public var edges: [Double] { (0...bins).map { lower + Double($0) * binWidth } }
}
