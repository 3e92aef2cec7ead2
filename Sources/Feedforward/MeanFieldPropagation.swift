import GSL
import GaussianMoments

/// Layer-by-layer propagation of Gaussian pre-activations through a noisy
/// MLP at one input, with the activation's Gaussian moments from
/// `MomentEvaluator` (closed forms for relu/linear, quadrature for tanh and
/// softplus).
///
/// Each layer's pre-activation a = W h + b (+ σξ inside) is taken to be
/// Gaussian with mean W m + b and covariance S = W C Wᵀ (+ σ² I inside),
/// where (m, C) are the previous layer's mean and covariance. Then per unit
///   mean_i = E f(a_i),  C′_ii = Var f(a_i)          (exact under the Gaussian)
/// and off the diagonal one of two approximations:
///
/// - `.diagonal` (mean field): C′_ij = 0 — units are treated as independent,
///   so only the diagonal of W C Wᵀ feeds the next layer.
/// - `.linearised` (the closure): C′_ij = g_i g_j S_ij with g_i = E f′(a_i).
///   Price's theorem gives ∂ Cov(f(a_i), f(a_j))/∂S_ij = E f′(a_i) f′(a_j);
///   this keeps its first term in S_ij (Stein's lemma: Cov(f(a_i), a_j) =
///   g_i S_ij exactly, the same linearisation the CTRNN closure uses). C′ is
///   positive semi-definite: C′ = D_g S D_g + diag(Var f − g² S_ii), and
///   Var f(a) ≥ (E f′)² Var a by Cauchy–Schwarz on Stein's identity.
///
/// Noise outside f adds σ² to C′_ii. The readout is linear: its mean and
/// covariance follow exactly from (m, C) of the last hidden layer.
///
/// Where it is exact: for a linear f both modes' means, and the linearised
/// covariance, are exact (everything stays Gaussian, g = 1). For any f the
/// first hidden layer is exact, because its pre-activation is W₀u + b₀ +
/// σξ with independent ξ (noise-in; noise-out adds noise after f): so for
/// one hidden layer the output mean and variance are exact, and for relu
/// noise-in each first-layer mean is the rectified-Gaussian mean of
/// Bricken 2023, Eq. 21. From the second hidden layer on, a pre-activation
/// is a sum of non-Gaussian terms: the Gaussian form is an approximation
/// (good when many units of comparable weight contribute).
public enum MeanFieldPropagation {
  /// The widest layer propagated: 4096² doubles are 128 MB, and W C Wᵀ
  /// about 10¹¹ operations (a minute) per layer.
  public static let maxWidth = 4096

  public enum Covariance: String, Sendable, CaseIterable {
    case diagonal
    case linearised
  }

  /// One hidden layer's moments.
  public struct LayerMoments: Sendable, Equatable {
    /// Mean and variance of the pre-activation (noise-in: σ² included).
    public var preactivationMean, preactivationVariance: [Double]
    /// Mean and variance of the unit's output h (noise-out: σ² included).
    public var mean, variance: [Double]
    /// E f′(a_i), the slope of the noise-averaged activation.
    public var meanSlope: [Double]
  }

  public struct Result: Sendable, Equatable {
    public var sigma: Double
    public var covariance: Covariance
    public var hidden: [LayerMoments]
    public var outputMean: [Double]
    /// O×O.
    public var outputCovariance: Matrix
    public var outputVariance: [Double] { (0..<outputCovariance.rows).map { outputCovariance[$0, $0] } }
  }

  public static func propagate(
    _ net: MLP, input: [Double], sigma: Double, covariance mode: Covariance, evaluator: MomentEvaluator
  ) throws -> Result {
    try net.validateInput(input)
    guard sigma.isFinite, sigma >= 0 else { throw MLPError.badParameter("sigma must be finite and >= 0, got \(sigma)") }
    // The covariance is dense, n² per layer, and W C Wᵀ costs n³: checked
    // before anything is allocated.
    if let wide = net.sizes.first(where: { $0 > maxWidth }) {
      throw MLPError.badParameter(
        "a layer has \(wide) units; the covariance propagation handles up to \(maxWidth) (\(wide)² doubles = \(wide * wide / 131_072) MB per matrix)")
    }
    let f = net.activation
    var m = input
    var c = Matrix(rows: input.count, columns: input.count)
    var hidden: [LayerMoments] = []
    for l in 0..<(net.layers.count - 1) {
      let layer = net.layers[l]
      let mu = MLP.affine(layer, m)
      var s = sandwich(layer.weights, c)
      let n = mu.count
      if net.noise == .inside { for i in 0..<n { s[i, i] += sigma * sigma } }
      var next = Matrix(rows: n, columns: n)
      var mean = [Double](repeating: 0, count: n), slope = mean, preVar = mean
      for i in 0..<n {
        // Rounding in W C Wᵀ can leave a zero variance at −1e-17.
        let v = max(s[i, i], 0)
        preVar[i] = v
        let mom = try evaluator.moments(f, mu: mu[i], sigma: v.squareRoot())
        mean[i] = mom.mean
        slope[i] = mom.meanSlope
        next[i, i] = mom.variance
      }
      if mode == .linearised {
        for i in 0..<n {
          for j in 0..<n where j != i { next[i, j] = slope[i] * slope[j] * s[i, j] }
        }
      }
      if net.noise == .outside { for i in 0..<n { next[i, i] += sigma * sigma } }
      hidden.append(
        LayerMoments(
          preactivationMean: mu, preactivationVariance: preVar, mean: mean,
          variance: (0..<n).map { next[$0, $0] }, meanSlope: slope))
      m = mean
      c = next
    }
    let readout = net.layers[net.layers.count - 1]
    return Result(
      sigma: sigma, covariance: mode, hidden: hidden, outputMean: MLP.affine(readout, m),
      outputCovariance: sandwich(readout.weights, c))
  }

  /// W C Wᵀ, symmetrised (the two triangles computed once).
  static func sandwich(_ w: Matrix, _ c: Matrix) -> Matrix {
    let (r, k) = (w.rows, w.columns)
    // t = W C (r×k)
    var t = Matrix(rows: r, columns: k)
    for i in 0..<r {
      for p in 0..<k {
        let wip = w[i, p]
        if wip == 0 { continue }
        for q in 0..<k { t.elements[i * k + q] += wip * c.elements[p * k + q] }
      }
    }
    var out = Matrix(rows: r, columns: r)
    for i in 0..<r {
      for j in i..<r {
        var sum = 0.0
        for q in 0..<k { sum += t.elements[i * k + q] * w.elements[j * k + q] }
        out[i, j] = sum
        out[j, i] = sum
      }
    }
    return out
  }
}
