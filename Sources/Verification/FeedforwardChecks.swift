import Feedforward
import GSL
import GaussianMoments

/// The feedforward layer: the MLP's layer-by-layer Gaussian propagation
/// where it is exact, against Monte Carlo and against plain linear algebra.
enum FeedforwardChecks {
  static var all: [Check] {
    [
      Check(
        name: "mlp-relu-noise-in-propagation", unit: .standardErrors, tolerance: 4,
        reason: "1-8-2 relu noise-in MLP (seed 5), u = 0.5, σ = 0.3 and 1: propagated output mean and variance (exact with one hidden layer: independent rectified Gaussians, Eq. 21) vs 200 000 simulated passes; worst |z| over 8 comparisons (measured 0.74); 4 SE fails by chance with p ≈ 5e-4 if the propagation is exact"
      ) {
        try reluPropagation()
      },
      Check(
        name: "mlp-linear-covariance", unit: .absolute, tolerance: 1e-12,
        reason: "2-4-3-2 linear noise-in MLP: the linearised covariance propagation is exact (g = 1) and must equal σ² Σ_ℓ B_ℓ B_ℓᵀ (B_ℓ the product of the weights after layer ℓ's noise) computed here; rounding of O(1) sums is ~1e-15"
      ) {
        try linearCovariance()
      },
      Check(
        name: "dae-eq21-activations", unit: .standardErrors, tolerance: 5,
        reason: "32-48-32 relu denoising autoencoder (Kaiming weights, seed 4, biases -0.3), input noise sigma = 0.5: Bricken Eq. 21 (E h) and the corrected Eqs. 23/25 (E eta^2) vs the network's activations over 8 data x 10 000 noise draws; worst |z| over the (datum, unit) comparisons with >= 1000 expected non-zero draws each (at most 768; measured 2.51); the pre-activation is exactly Gaussian, so |z| > 5 happens by chance with p < 768 x 5.7e-7 ≈ 4e-4"
      ) {
        try daeActivations()
      },
    ]
  }

  /// A denoising autoencoder with the paper's initialisation and a negative
  /// bias (the sparse regime training reaches), on the synthetic data.
  static func daeActivations() throws -> Double {
    let (n, m) = (32, 48)
    let rng = try GSLRandom(seed: 4)
    let we = (0..<(m * n)).map { _ in (2 / Double(n)).squareRoot() * rng.gaussian() }
    let wd = (0..<(n * m)).map { _ in (1 / Double(m)).squareRoot() * rng.gaussian() }
    let dae = try DenoisingAutoencoder(
      encoder: Matrix(rows: m, columns: n, elements: we), encoderBias: [Double](repeating: -0.3, count: m),
      decoder: Matrix(rows: n, columns: m, elements: wd), decoderBias: [Double](repeating: 0, count: n), sigmaTrain: 0.5,
      data: try SparsePatterns(dimension: n, features: 16, probability: 0.1, seed: 7))
    let a = try DAEAnalysis.run(dae, sigma: 0.5, data: 8, draws: 10_000, pairUnits: 0, seed: 2)
    return max(a.eq21.worstZ, a.eta2.worstZ)
  }

  static func reluPropagation() throws -> Double {
    let net = try MLP.random(sizes: [1, 8, 2], activation: .relu, noise: .inside, seed: 5)
    let evaluator = try MomentEvaluator()
    var worst = 0.0
    for sigma in [0.3, 1.0] {
      let r = try MeanFieldPropagation.propagate(net, input: [0.5], sigma: sigma, covariance: .linearised, evaluator: evaluator)
      let sim = try MLPSimulation.run(net, input: [0.5], sigma: sigma, samples: 200_000, seed: 1)
      for j in 0..<2 {
        worst = max(worst, abs(sim.mean[j] - r.outputMean[j]) / sim.meanSE[j])
        worst = max(worst, abs(sim.variance[j] - r.outputVariance[j]) / sim.varianceSE[j])
      }
    }
    return worst
  }

  static func linearCovariance() throws -> Double {
    let net = try MLP.random(sizes: [2, 4, 3, 2], activation: .linear, noise: .inside, seed: 3)
    let sigma = 0.4
    let r = try MeanFieldPropagation.propagate(
      net, input: [0.3, -0.7], sigma: sigma, covariance: .linearised, evaluator: try MomentEvaluator())
    func multiply(_ a: Matrix, _ b: Matrix) -> Matrix {
      var c = Matrix(rows: a.rows, columns: b.columns)
      for i in 0..<a.rows { for j in 0..<b.columns { for k in 0..<a.columns { c[i, j] += a[i, k] * b[k, j] } } }
      return c
    }
    var reference = Matrix(rows: 2, columns: 2)
    for l in 0..<(net.layers.count - 1) {
      var b = Matrix.identity(net.layers[l].weights.rows)
      for k in (l + 1)..<net.layers.count { b = multiply(net.layers[k].weights, b) }
      for i in 0..<2 { for j in 0..<2 { for k in 0..<b.columns { reference[i, j] += sigma * sigma * b[i, k] * b[j, k] } } }
    }
    var worst = 0.0
    for i in 0..<2 { for j in 0..<2 { worst = max(worst, abs(r.outputCovariance[i, j] - reference[i, j])) } }
    return worst
  }
}
