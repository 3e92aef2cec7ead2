import Foundation

/// Observed convergence orders of a scheme against an exact solution, the
/// way SciML proves a scheme: errors on a grid of steps h = T/N, N halving,
/// and the slope of log error against log h by least squares.
///
/// Coarse solves use the sums of the finest Brownian increments, so every
/// level sees the same Brownian path as the exact solution.
public enum ConvergenceStudy {
  public struct Result: Sendable {
    /// Step sizes, finest first.
    public let steps: [Double]
    /// Estimated errors at each step size.
    public let errors: [Double]
    /// Monte-Carlo standard errors of `errors`.
    public let standardErrors: [Double]
    /// Least-squares slope of log(error) against log(step).
    public let order: Double
  }

  /// The exact solution at the end time T given the initial state and the
  /// Brownian endpoint W_T (enough for GBM and other explicitly solvable SDEs).
  public typealias ExactSolution = @Sendable (_ initial: [Double], _ time: Double, _ brownian: [Double]) -> [Double]

  /// Least-squares slope of log(errors) against log(steps).
  public static func fitOrder(steps: [Double], errors: [Double]) -> Double {
    let x = steps.map { log($0) }, y = errors.map { log($0) }
    let c = Double(x.count)
    let mx = x.reduce(0, +) / c, my = y.reduce(0, +) / c
    var sxy = 0.0, sxx = 0.0
    for i in x.indices {
      sxy += (x[i] - mx) * (y[i] - my)
      sxx += (x[i] - mx) * (x[i] - mx)
    }
    return sxy / sxx
  }

  /// Strong error E‖X_T^h − X_T‖ (Euclidean) over `paths` Brownian paths, at
  /// N = finestSteps, finestSteps/2, …, `levels` sizes.
  public static func strong(
    _ problem: SDEProblem, _ scheme: some SDEScheme, exact: ExactSolution,
    finestSteps: Int, levels: Int, paths: Int, seed: UInt64
  ) throws(SDEError) -> Result {
    try study(problem, scheme, exact: exact, finestSteps: finestSteps, levels: levels, paths: paths, seed: seed) {
      approx, truth in
      var s = 0.0
      for i in approx.indices { s += (approx[i] - truth[i]) * (approx[i] - truth[i]) }
      return s.squareRoot()
    }
  }

  /// Weak error |E φ(X_T^h) − E φ(X_T)|, estimated as the mean of the coupled
  /// difference φ(X_T^h) − φ(X_T) on shared paths: its variance is O(h) (the
  /// strong error squared), not Var φ(X_T), so a modest number of paths
  /// resolves an O(h) bias.
  public static func weak(
    _ problem: SDEProblem, _ scheme: some SDEScheme, exact: ExactSolution,
    observable: @escaping ([Double]) -> Double,
    finestSteps: Int, levels: Int, paths: Int, seed: UInt64
  ) throws(SDEError) -> Result {
    let signed = try study(problem, scheme, exact: exact, finestSteps: finestSteps, levels: levels, paths: paths, seed: seed) {
      approx, truth in observable(approx) - observable(truth)
    }
    let errors = signed.errors.map(abs)
    return Result(
      steps: signed.steps, errors: errors, standardErrors: signed.standardErrors,
      order: fitOrder(steps: signed.steps, errors: errors))
  }

  static func study(
    _ problem: SDEProblem, _ scheme: some SDEScheme, exact: ExactSolution,
    finestSteps: Int, levels: Int, paths: Int, seed: UInt64,
    error: ([Double], [Double]) -> Double
  ) throws(SDEError) -> Result {
    guard levels >= 2, finestSteps % (1 << (levels - 1)) == 0 else {
      throw .invalidArgument("finestSteps \(finestSteps) must be divisible by 2^(levels−1) with levels ≥ 2 (got \(levels))")
    }
    guard paths >= 2 else { throw .invalidArgument("paths is \(paths); need at least 2 for a standard error") }
    let n = problem.dimension
    let t0 = problem.timeSpan.lowerBound, span = problem.timeSpan.upperBound - t0
    let fineStep = span / Double(finestSteps)
    var sums = [Double](repeating: 0, count: levels), squares = sums
    var fine = [Double](repeating: 0, count: finestSteps * n)
    for p in 0..<paths {
      var stream = GaussianStream(seed: seed, stream: UInt64(p))
      fine.withUnsafeMutableBufferPointer { stream.fillGaussian($0) }
      for i in fine.indices { fine[i] *= fineStep.squareRoot() }
      var endpoint = [Double](repeating: 0, count: n)
      for k in 0..<finestSteps { for i in 0..<n { endpoint[i] += fine[k * n + i] } }
      let truth = exact(problem.initialState, span, endpoint)
      for level in 0..<levels {
        let factor = 1 << level
        var coarse = problem
        coarse.requestedStep = span / Double(finestSteps / factor)
        let solution = try coarse.solve(scheme, save: .finalState) { k, dW in
          for i in 0..<n {
            var s = 0.0
            for q in (k * factor)..<((k + 1) * factor) { s += fine[q * n + i] }
            dW[i] = s
          }
        }
        let e = error(solution.finalState, truth)
        sums[level] += e
        squares[level] += e * e
      }
    }
    let c = Double(paths)
    let steps = (0..<levels).map { span / Double(finestSteps >> $0) }
    let errors = sums.map { $0 / c }
    let ses = (0..<levels).map { l in ((squares[l] / c - errors[l] * errors[l]) * c / (c - 1) / c).squareRoot() }
    return Result(steps: steps, errors: errors, standardErrors: ses, order: fitOrder(steps: steps, errors: errors.map(abs)))
  }
}
