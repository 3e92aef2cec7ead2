import GSL

/// Stationary mean, covariance and (optionally) a 1-D density from an
/// ensemble after burn-in, with Monte-Carlo standard errors by batch means.
///
/// Each trajectory's recorded samples are cut into equal batches in time;
/// a batch mean of a long-enough batch is nearly independent of the others,
/// and means of different trajectories are exactly independent. The standard
/// error of any average is then sd(batch means)/√(number of batches), which
/// includes the autocorrelation along time — the naive sd(samples)/√N would
/// understate it by √(2τ_int). The ratio between the two is reported as the
/// effective sample size.
public struct StationaryStatistics: Sendable {
  public let dimension: Int
  /// Trajectories that entered (non-finite ones are left out).
  public let trajectories: Int
  /// Samples per trajectory used (after burn-in, thinning, equal batches).
  public let samplesPerTrajectory: Int
  /// Batches in total (trajectories × batches per trajectory).
  public let batches: Int

  public let mean: [Double]
  public let meanStandardError: [Double]
  public let variance: [Double]
  public let varianceStandardError: [Double]
  /// n×n, row-major; nil unless `StationaryOptions.covariance`.
  public let covariance: Matrix?
  public let covarianceStandardError: Matrix?
  /// variance / meanStandardError², per coordinate: how many independent
  /// samples the correlated ones are worth.
  public let effectiveSampleSize: [Double]
  public let histogram: Histogram?
  /// Mean and variance of y = P x + offset, when `StationaryOptions.projection` asked.
  public let projection: ProjectionStatistics?
  /// The batch means themselves (batches × n): any linear functional of the
  /// state, e.g. a network's readout, gets its standard error from them
  /// (`linearFunctional`), with the cross-correlations between coordinates.
  public let batchMeans: [[Double]]

  /// Mean and batch-means standard error of wᵀx + offset.
  public func linearFunctional(weights w: [Double], offset: Double = 0) -> (mean: Double, standardError: Double) {
    precondition(w.count == dimension, "linearFunctional: \(w.count) weights for dimension \(dimension)")
    let values = batchMeans.map { b in zip(w, b).reduce(offset) { $0 + $1.0 * $1.1 } }
    let mean = values.reduce(0, +) / Double(values.count)
    return (mean, StationaryStatistics.standardError(values))
  }

  /// Integrated autocorrelation time per coordinate, in recorded samples:
  /// N / effective sample size (≈ 1 for uncorrelated samples; 1 + 2Σρ_k).
  public var integratedAutocorrelationTime: [Double] {
    let total = Double(trajectories * samplesPerTrajectory)
    return effectiveSampleSize.map { total / $0 }
  }
}

extension StationaryStatistics {
  /// Estimates from stored trajectories: `paths[j]` holds trajectory j's
  /// samples row-major (R×n). `options.burnIn` and `options.thin` count
  /// samples of these paths here, not solver steps.
  public static func estimate(
    paths: [[Double]], dimension n: Int, options: StationaryOptions
  ) throws(SDEError) -> StationaryStatistics {
    guard n > 0 else { throw .invalidArgument("dimension is \(n); it must be at least 1") }
    guard let first = paths.first else { throw .invalidArgument("no trajectories given") }
    guard options.burnIn >= 0, options.thin >= 1 else {
      throw .invalidArgument("burn-in \(options.burnIn) must be ≥ 0 and thinning \(options.thin) ≥ 1")
    }
    let length = first.count / n
    guard paths.allSatisfy({ $0.count == length * n }), first.count % n == 0 else {
      throw .invalidArgument("every path must hold the same whole number of \(n)-dimensional samples")
    }
    let records = length > options.burnIn ? (length - 1 - options.burnIn) / options.thin + 1 : 0
    let layout = try StationaryAccumulator.Layout(
      dimension: n, records: records, trajectories: paths.count, options: options)
    let acc = StationaryAccumulator(layout: layout, trajectories: paths.count)
    for (j, path) in paths.enumerated() {
      path.withUnsafeBufferPointer { p in
        for r in 0..<records {
          let i = options.burnIn + r * options.thin
          acc.add(trajectory: j, record: r, state: UnsafeBufferPointer(rebasing: p[i * n..<(i + 1) * n]))
        }
      }
    }
    return try combine([(acc, [Bool](repeating: true, count: paths.count))], layout: layout)
  }

  /// Reduces chunk accumulators, in order; `alive[j]` false drops trajectory j.
  static func combine(
    _ parts: [(StationaryAccumulator, [Bool])], layout: StationaryAccumulator.Layout
  ) throws(SDEError) -> StationaryStatistics {
    let n = layout.dimension, length = Double(layout.batchLength)
    // Per-batch estimates: means m_b, second moments about the shift.
    var batchMeans: [[Double]] = []
    var slots: [(sums: ArraySlice<Double>, shift: ArraySlice<Double>)] = []
    for (acc, alive) in parts {
      for j in 0..<acc.trajectories where alive[j] {
        for b in 0..<layout.batches {
          let s = acc.slot(trajectory: j, batch: b)
          let base = s.sums.startIndex, sb = s.shift.startIndex
          batchMeans.append((0..<n).map { s.shift[sb + $0] + s.sums[base + $0] / length })
          slots.append(s)
        }
      }
    }
    let count = batchMeans.count
    guard count >= 2 else {
      throw .invalidArgument("only \(count) batch(es) left (non-finite trajectories are dropped): no standard error")
    }
    let mean = (0..<n).map { i in batchMeans.reduce(0) { $0 + $1[i] } / Double(count) }
    let meanSE = (0..<n).map { i in standardError(batchMeans.map { $0[i] }) }

    // Batch b's estimate of E(x_i − x̄_i)(x_k − x̄_k): its within-batch scatter
    // about its own mean plus the offset of its mean from the overall mean.
    func batchCovariance(_ b: Int, _ i: Int, _ k: Int, _ raw: Double) -> Double {
      let s = slots[b], sb = s.shift.startIndex
      let di = batchMeans[b][i] - s.shift[sb + i], dk = batchMeans[b][k] - s.shift[sb + k]
      return raw / length - di * dk + (batchMeans[b][i] - mean[i]) * (batchMeans[b][k] - mean[k])
    }
    var variance = [Double](repeating: 0, count: n), varianceSE = variance
    for i in 0..<n {
      let values = (0..<count).map { b in batchCovariance(b, i, i, slots[b].sums[slots[b].sums.startIndex + n + i]) }
      variance[i] = values.reduce(0, +) / Double(count)
      varianceSE[i] = standardError(values)
    }
    var covariance: Matrix?, covarianceSE: Matrix?
    if layout.covariance {
      // The same arithmetic as `batchCovariance` and `standardError`, in
      // the same order (so the same bits), batch by batch over the whole
      // triangle: two passes (the sums over batches, then the squared
      // deviations from their mean) instead of an array of per-batch values
      // for each of the N(N+1)/2 entries, which cost more than the
      // simulation at N in the hundreds.
      let triangle = layout.triangle
      var total = [Double](repeating: 0, count: triangle), squares = total
      func eachValue(_ body: (_ t: Int, _ value: Double) -> Void) {
        for b in 0..<count {
          let sl = slots[b], sb = sl.shift.startIndex
          let dev = (0..<n).map { batchMeans[b][$0] - sl.shift[sb + $0] }
          let off = (0..<n).map { batchMeans[b][$0] - mean[$0] }
          sl.sums.withUnsafeBufferPointer { p in
            var t = 0
            for i in 0..<n {
              let di = dev[i], oi = off[i]
              for k in i..<n {
                body(t, p[2 * n + t] / length - di * dev[k] + oi * off[k])
                t += 1
              }
            }
          }
        }
      }
      eachValue { t, v in total[t] += v }
      let average = total.map { $0 / Double(count) }
      eachValue { t, v in squares[t] += (v - average[t]) * (v - average[t]) }
      var c = Matrix(rows: n, columns: n), se = Matrix(rows: n, columns: n)
      var t = 0
      for i in 0..<n {
        for k in i..<n {
          let e = (squares[t] / Double(count - 1) / Double(count)).squareRoot()
          c.elements[i * n + k] = average[t]
          c.elements[k * n + i] = average[t]
          se.elements[i * n + k] = e
          se.elements[k * n + i] = e
          t += 1
        }
      }
      covariance = c
      covarianceSE = se
    }
    var histogram: Histogram?
    if let h = layout.histogram {
      let t = 2 * n + layout.triangle
      var density = [Double](repeating: 0, count: h.bins), densitySE = density
      for bin in 0..<h.bins {
        let values = slots.map { $0.sums[$0.sums.startIndex + t + bin] / (length * h.binWidth) }
        density[bin] = values.reduce(0, +) / Double(count)
        densitySE[bin] = standardError(values)
      }
      let below = slots.reduce(0) { $0 + $1.sums[$1.sums.startIndex + t + h.bins] } / (length * Double(count))
      let above = slots.reduce(0) { $0 + $1.sums[$1.sums.startIndex + t + h.bins + 1] } / (length * Double(count))
      histogram = Histogram(
        coordinate: h.coordinate, edges: h.edges, density: density, densityStandardError: densitySE,
        fractionBelow: below, fractionAbove: above)
    }
    let ess = (0..<n).map { i in meanSE[i] > 0 ? variance[i] / (meanSE[i] * meanSE[i]) : .infinity }
    return StationaryStatistics(
      dimension: n, trajectories: count / layout.batches, samplesPerTrajectory: layout.batches * layout.batchLength,
      batches: count, mean: mean, meanStandardError: meanSE, variance: variance, varianceStandardError: varianceSE,
      covariance: covariance, covarianceStandardError: covarianceSE, effectiveSampleSize: ess, histogram: histogram,
      projection: layout.projection.map { projectionStatistics($0, slots: slots, layout: layout) }, batchMeans: batchMeans)
  }

  /// The estimates of `variance` (and the mean), taken on y = P x + offset
  /// from its sums about the shift s_y = P s + offset: batch b's value is
  /// its scatter about its own mean plus its mean's offset from the overall
  /// mean, as `batchCovariance` does for x.
  static func projectionStatistics(
    _ p: StationaryProjection, slots: [(sums: ArraySlice<Double>, shift: ArraySlice<Double>)], layout: StationaryAccumulator.Layout
  ) -> ProjectionStatistics {
    let n = layout.dimension, k = p.count, length = Double(layout.batchLength), start = layout.projectionStart
    var mean = [Double](repeating: 0, count: k), meanSE = mean, variance = mean, varianceSE = mean
    for o in 0..<k {
      // deviation of batch b's mean from its shift, and the shift itself
      let deviations = slots.map { $0.sums[$0.sums.startIndex + start + o] / length }
      let batchMeans = zip(slots, deviations).map { slot, d -> Double in
        let sb = slot.shift.startIndex
        var shift = p.offsets[o]
        for i in 0..<n { shift += p.weights[o * n + i] * slot.shift[sb + i] }
        return shift + d
      }
      mean[o] = batchMeans.reduce(0, +) / Double(slots.count)
      meanSE[o] = standardError(batchMeans)
      let values = slots.indices.map { b -> Double in
        let raw = slots[b].sums[slots[b].sums.startIndex + start + k + o]
        return raw / length - deviations[b] * deviations[b] + (batchMeans[b] - mean[o]) * (batchMeans[b] - mean[o])
      }
      variance[o] = values.reduce(0, +) / Double(slots.count)
      varianceSE[o] = standardError(values)
    }
    return ProjectionStatistics(mean: mean, meanStandardError: meanSE, variance: variance, varianceStandardError: varianceSE)
  }

  /// sd(values)/√count with the unbiased (count − 1) variance.
  static func standardError(_ values: [Double]) -> Double {
    let c = Double(values.count)
    let m = values.reduce(0, +) / c
    let ss = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
    return (ss / (c - 1) / c).squareRoot()
  }
}

/// Stationary mean and variance of each y_o = (P x + offset)_o, with
/// batch-means standard errors.
public struct ProjectionStatistics: Sendable {
  public let mean: [Double]
  public let meanStandardError: [Double]
  public let variance: [Double]
  public let varianceStandardError: [Double]
}
