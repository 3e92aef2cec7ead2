import Foundation
import GSL
import SDE

/// Checks of the SDE layer against exact solutions and exact stationary laws:
/// convergence orders fitted on log–log grids, stationary moments as
/// z-scores against their batch-means standard errors, and byte-identity of
/// seeded ensembles.
enum SDEChecks {
  static var all: [Check] {
    [
      Check(
        name: "em-strong-order", unit: .order, tolerance: 0.1,
        reason: "GBM a=1 b=1 vs exact solution on the same Brownian path, h=1/32…1/512, 1000 paths; theory 0.5. Level errors have ≤5% SE and are correlated across levels, so the fitted slope scatters by a few hundredths"
      ) {
        abs(try strongOrder(EulerMaruyama()) - 0.5)
      },
      Check(
        name: "milstein-strong-order", unit: .order, tolerance: 0.1,
        reason: "GBM a=1 b=1 vs exact solution on the same Brownian path, h=1/32…1/512, 1000 paths; theory 1.0 (g depends on x only)"
      ) {
        abs(try strongOrder(Milstein()) - 1.0)
      },
      Check(
        name: "em-weak-order", unit: .order, tolerance: 0.15,
        reason: "E X_T² of GBM a=−1 b=0.5 by coupled differences with the exact solution, h=1/4…1/64, 20000 paths; theory 1. The exact EM weak errors ((1+ah)²+b²h)^N − e^{(2a+b²)T} have slope 0.973 on this grid (pre-asymptotic), leaving ~0.12 for Monte-Carlo scatter (level SEs 3–6%)"
      ) {
        let a = -1.0, b = 0.5
        let r = try ConvergenceStudy.weak(
          gbm(a: a, b: b), EulerMaruyama(), exact: gbmExact(a: a, b: b), observable: { $0[0] * $0[0] },
          finestSteps: 64, levels: 5, paths: 20000, seed: 3)
        return abs(r.order - 1)
      },
      Check(
        name: "ou-stationary", unit: .standardErrors, tolerance: 3,
        reason: "OU θ=1 μ=0.5 s=0.8: stationary mean μ and variance s²/2θ=0.32 from 256 trajectories × 27.5 time units after burn-in, batch-means SE. Euler's own stationary variance s²/(θ(2−θh)) is 0.1% high at h=0.002, ~0.1 SE; worst |z| of the two"
      ) {
        let p = try SDEProblem.scalar(
          initialState: 0.5, timeSpan: 0...30, step: 0.002, drift: { x, _ in 1 * (0.5 - x) }, diffusion: { _, _ in 0.8 })
        let st = try stationary(
          try Ensemble.solve(p, EulerMaruyama(), options: EnsembleOptions(trajectories: 256, seed: 1, stationary: StationaryOptions(burnIn: 2500, thin: 5))))
        return max(abs(st.mean[0] - 0.5) / st.meanStandardError[0], abs(st.variance[0] - 0.32) / st.varianceStandardError[0])
      },
      Check(
        name: "fokker-planck-vs-ensemble", unit: .standardErrors, tolerance: 4.5,
        reason: "dX=(0.2−X+0.5 tanh 2X)dt+0.5(1+0.4 tanh X)dW: Fokker–Planck density by quadrature vs 256 Milstein trajectories (h=0.005, 40 time units after burn-in): mean, variance and the histogram bins of probability ≥ 0.002 (of 30 on [−1.5, 2]) as z-scores against batch-means SEs; ≤ 32 comparisons, Bonferroni P(any |z|>4.5) ≈ 2e-4. Time-step bias of the stationary law is O(h) ≈ 0.5%, below 1 SE"
      ) {
        try fokkerPlanckVersusEnsemble()
      },
      Check(
        name: "chain-density-ar1-exact", unit: .relative, tolerance: 1e-9,
        reason: "Ulam transfer operator of x'=0.8x+0.3+0.5ξ on 400 cells, Richardson-extrapolated (observed order 2) vs the exact N(1.5, 0.25/0.36): worst relative error of mean and variance. Unextrapolated error is ~1e-3 (h²); extrapolation leaves O(h⁴), measured 3e-14"
      ) {
        let d = try TransferOperator1D(gaussianThreshold: { y, x in (y - 0.8 * x - 0.3) / 0.5 }).solve(cells: 400)
        let variance = 0.25 / 0.36
        return max(abs(d.extrapolatedMean - 1.5) / 1.5, abs(d.extrapolatedVariance - variance) / variance)
      },
      Check(
        name: "chain-density-vs-ensemble", unit: .standardErrors, tolerance: 4.5,
        reason: "transfer-operator mean and variance vs 256-trajectory simulations of three chains: AR(1) x'=0.8x+0.3+0.5ξ, noise-in tanh neuron x'=0.8x+0.2 tanh(0.8x+0.2+0.7ξ), noise-in relu neuron x'=0.8x+0.2 relu(0.5x−0.1+0.7ξ) (F from f⁻¹ extended by ±∞); z = Δ/√(SE²+disc²) with the batch-means SE and the grid-refinement error; 6 comparisons, P(any |z|>4.5) ≈ 4e-5"
      ) {
        try chainVersusEnsemble()
      },
      Check(
        name: "ensemble-determinism", unit: .absolute, tolerance: 0,
        reason: "16-neuron noise-in tanh network (BLAS dgemm drift), 200 trajectories: number of differing bit patterns between runs with the same seed, and with 1 vs 2 threads and chunk sizes 16 vs 128, in float64 and in float32; must be exactly 0"
      ) {
        let chain = try FixtureNetworks.noiseInTanh(dimension: 16, steps: 300, seed: 4)
        func run(_ threads: Int, _ chunk: Int, _ precision: Precision = .f64) throws -> [UInt64] {
          var options = EnsembleOptions(
            trajectories: 200, seed: 77, threads: threads, chunkSize: chunk, savePathsEvery: 50,
            stationary: StationaryOptions(burnIn: 100))
          options.precision = precision
          let s = try Ensemble.solve(chain, options: options)
          let st = try stationary(s)
          return (s.finalStates + s.paths + st.mean + st.meanStandardError + (st.covariance?.elements ?? [])).map(\.bitPattern)
        }
        let reference = try run(2, 128)
        var differing = 0
        for other in [try run(2, 128), try run(1, 128), try run(2, 16), try run(1, 16)] {
          differing += zip(reference, other).filter { $0 != $1 }.count + abs(reference.count - other.count)
        }
        let reference32 = try run(2, 128, .f32)
        for other in [try run(1, 128, .f32), try run(2, 16, .f32)] {
          differing += zip(reference32, other).filter { $0 != $1 }.count + abs(reference32.count - other.count)
        }
        return Double(differing)
      },
    ]
  }

  static func gbm(a: Double, b: Double) throws -> SDEProblem {
    try SDEProblem.scalar(
      initialState: 1, timeSpan: 0...1, step: 0.01, drift: { x, _ in a * x }, diffusion: { x, _ in b * x },
      diffusionDerivative: { _, _ in b })
  }

  /// X_T = X₀ exp((a − b²/2)T + b W_T).
  static func gbmExact(a: Double, b: Double) -> ConvergenceStudy.ExactSolution {
    { x0, t, w in [x0[0] * exp((a - 0.5 * b * b) * t + b * w[0])] }
  }

  static func strongOrder(_ scheme: some SDEScheme) throws -> Double {
    try ConvergenceStudy.strong(
      gbm(a: 1, b: 1), scheme, exact: gbmExact(a: 1, b: 1), finestSteps: 512, levels: 5, paths: 1000, seed: 1
    ).order
  }

  static func stationary(_ s: EnsembleSolution) throws -> StationaryStatistics {
    guard let st = s.statistics else { throw SDEError.numerical("the ensemble returned no statistics") }
    return st
  }

  static func fokkerPlanckVersusEnsemble() throws -> Double {
    let mu: @Sendable (Double) -> Double = { 0.2 - $0 + 0.5 * tanh(2 * $0) }
    let g: @Sendable (Double) -> Double = { 0.5 * (1 + 0.4 * tanh($0)) }
    let gPrime: @Sendable (Double) -> Double = { 0.2 / (cosh($0) * cosh($0)) }
    let spec = HistogramSpec(lower: -1.5, upper: 2, bins: 30)
    let fp = FokkerPlanck1D(drift: mu, diffusion: g)
    // Cells = the histogram's bins, padded out to the automatic domain.
    let domain = try fp.solve(center: 0, scale: 0.25).domain
    let density = try fp.solve(edges: [min(domain.lowerBound, -2)] + spec.edges + [max(domain.upperBound, 2.5)])
    let p = try SDEProblem.scalar(
      initialState: 0, timeSpan: 0...45, step: 0.005, drift: { x, _ in mu(x) }, diffusion: { x, _ in g(x) },
      diffusionDerivative: { x, _ in gPrime(x) })
    let st = try stationary(
      try Ensemble.solve(
        p, Milstein(),
        options: EnsembleOptions(
          trajectories: 256, seed: 2, stationary: StationaryOptions(burnIn: 1000, thin: 4, histogram: spec))))
    guard let h = st.histogram else { throw SDEError.numerical("no histogram") }
    var worst = max(
      abs(st.mean[0] - density.mean) / st.meanStandardError[0],
      abs(st.variance[0] - density.variance) / st.varianceStandardError[0])
    for bin in 0..<h.bins {
      let width = h.edges[bin + 1] - h.edges[bin]
      let exact = density.cellProbabilities[bin + 1]
      // Bins the law barely reaches hold a handful of samples, whose
      // batch-means SE is meaningless (often 0): compare bins with p ≥ 0.002.
      guard exact >= 0.002 else { continue }
      worst = max(worst, abs(h.density[bin] * width - exact) / (h.densityStandardError[bin] * width))
    }
    return worst
  }

  static func chainVersusEnsemble() throws -> Double {
    let gamma = 0.2, sigma = 0.7
    // (transfer-operator kernel, simulated map)
    let chains: [(TransferOperator1D, @Sendable (Double, Double) -> Double)] = [
      (TransferOperator1D(gaussianThreshold: { y, x in (y - 0.8 * x - 0.3) / 0.5 }), { x, xi in 0.8 * x + 0.3 + 0.5 * xi }),
      (
        TransferOperator1D(gaussianThreshold: { y, x in
          let u = (y - (1 - gamma) * x) / gamma
          if u <= -1 { return -.infinity }
          if u >= 1 { return .infinity }
          return (atanh(u) - 0.8 * x - 0.2) / sigma
        }),
        { x, xi in (1 - gamma) * x + gamma * tanh(0.8 * x + 0.2 + sigma * xi) }
      ),
      (
        TransferOperator1D(gaussianThreshold: { y, x in
          let u = (y - (1 - gamma) * x) / gamma
          if u < 0 { return -.infinity }
          return (u - 0.5 * x + 0.1) / sigma
        }),
        { x, xi in (1 - gamma) * x + gamma * max(0, 0.5 * x - 0.1 + sigma * xi) }
      ),
    ]
    var worst = 0.0
    for (index, (op, map)) in chains.enumerated() {
      let d = try op.solve(center: 0, scale: 1, cells: 400)
      let chain = try MarkovChainProblem.scalar(initialState: d.mean, steps: 4200, map: map)
      let st = try stationary(
        try Ensemble.solve(chain, options: EnsembleOptions(trajectories: 256, seed: UInt64(10 + index), stationary: StationaryOptions(burnIn: 200))))
      func z(_ a: Double, _ b: Double, _ se: Double, _ disc: Double) -> Double { abs(a - b) / (se * se + disc * disc).squareRoot() }
      worst = max(
        worst, z(d.mean, st.mean[0], st.meanStandardError[0], d.meanDiscretisationError),
        z(d.variance, st.variance[0], st.varianceStandardError[0], d.varianceDiscretisationError))
    }
    return worst
  }
}
