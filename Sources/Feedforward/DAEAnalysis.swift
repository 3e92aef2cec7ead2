import Foundation
import GSL
import GaussianMoments

/// What noise does to a trained denoising autoencoder's hidden layer, at
/// one test noise σ, on `data` fresh evaluation data × `draws` noise draws
/// each: the fraction of active units (the paper's sparsity) clean and
/// noisy, the noisy fraction predicted by Eq. 20 (mean of Φ(z̄/(σ‖w‖))), and
/// per (datum, unit) the measured E h̃ and E η² against Eq. 21 and the
/// corrected Eqs. 23/25, and per (datum, pair of units) the measured
/// E[η_j η_k] against the closed form — each as z = (measured −
/// predicted)/SE, the worst |z| reported. The predictions are exact for
/// this model (the pre-activation is exactly Gaussian given the datum), so
/// |z| is close to standard normal once the quantity is non-zero in many
/// draws (`minimumEvents`; rarer ones are skipped and counted): over C
/// comparisons the worst is below 5 except with probability about C·5.7e-7.
public struct DAEAnalysis: Sendable {
  public struct Comparison: Sendable, Equatable {
    /// Largest |measured − predicted|/SE.
    public var worstZ: Double
    /// Comparisons made; and skipped because fewer than `minimumEvents`
    /// draws are expected to move the quantity off 0 (a unit the noise
    /// rarely reaches), or every draw gave the same value (SE 0).
    public var compared, skipped: Int
    /// Mean over the compared of |measured − predicted| / mean |predicted|.
    public var relativeError: Double
  }

  public var sigmaTrain, sigma: Double
  public var data, draws, pairUnits: Int
  public var seed: UInt
  /// Fraction of (datum, unit) with z̄ > 0: clean-input sparsity.
  public var activeClean: Double
  /// Fraction of (datum, draw, unit) with z̃ > 0, measured; and Eq. 20's
  /// mean of Φ(z̄/(σ‖w‖)).
  public var activeNoisy, activeNoisyPredicted: Double
  /// Units active for no evaluation datum, clean or noisy.
  public var deadUnits: Int
  public var meanEncoderBias, meanEncoderNorm: Double
  /// Reconstruction MSE per coordinate against the clean datum: from the
  /// clean input, and from the noisy input at σ.
  public var lossClean, lossNoisy: Double
  public var eq21, eta2, eta2AsPrinted, cross: Comparison

  public static let maxWork = 4_000_000_000
  /// Comparisons need this many expected draws with the quantity non-zero.
  public static let minimumEvents = 1000.0

  public static func run(
    _ dae: DenoisingAutoencoder, sigma: Double, data count: Int = 16, draws: Int = 10_000, pairUnits: Int = 16, seed: UInt = 1
  ) throws -> DAEAnalysis {
    guard sigma.isFinite, sigma >= 0 else { throw MLPError.badParameter("sigma must be finite and >= 0, got \(sigma)") }
    guard count >= 1, draws >= 2, pairUnits >= 0 else { throw MLPError.badParameter("need >= 1 datum, >= 2 draws, >= 0 pair units") }
    let (n, m) = (dae.inputSize, dae.hiddenSize)
    let (work, overflow) = (count * draws).multipliedReportingOverflow(by: 2 * n * m)
    guard !overflow, work <= maxWork else {
      throw MLPError.badParameter("data × draws × 2nm = \(count) × \(draws) × \(2 * n * m) exceeds \(maxWork) operations")
    }
    let p = min(pairUnits, m)
    let rng = try GSLRandom(seed: seed)
    let xs = dae.data.sample(count, rng: rng)
    let norms = dae.encoderNorms
    var active = 0, activeNoisy = 0, predicted = 0.0, everActive = [Bool](repeating: false, count: m)
    var lossClean = 0.0, lossNoisy = 0.0
    var eq21 = Accumulator(), eta2 = Accumulator(), printed = Accumulator(), cross = Accumulator()
    let r = Double(draws)
    for x in xs {
      let zBar = dae.preactivation(x)
      let y0 = dae.decode(zBar)
      for i in 0..<n { lossClean += (y0[i] - x[i]) * (y0[i] - x[i]) }
      for j in 0..<m where zBar[j] > 0 {
        active += 1
        everActive[j] = true
      }
      var sumH = [Double](repeating: 0, count: m), sumH2 = sumH, sumE2 = sumH, sumE4 = sumH
      var sumC = [Double](repeating: 0, count: p * p), sumC2 = sumC
      var z = zBar, eta = zBar
      for _ in 0..<draws {
        let e = (0..<n).map { _ in sigma * rng.gaussian() }
        for j in 0..<m {
          var a = zBar[j]
          for k in 0..<n { a += dae.encoder.elements[j * n + k] * e[k] }
          z[j] = a
          let h = max(a, 0)
          if a > 0 {
            activeNoisy += 1
            everActive[j] = true
          }
          eta[j] = h - max(zBar[j], 0)
          sumH[j] += h
          sumH2[j] += h * h
          sumE2[j] += eta[j] * eta[j]
          sumE4[j] += eta[j] * eta[j] * eta[j] * eta[j]
        }
        for j in 0..<p {
          for k in (j + 1)..<p {
            let c = eta[j] * eta[k]
            sumC[j * p + k] += c
            sumC2[j * p + k] += c * c
          }
        }
        let y = dae.decode(z)
        for i in 0..<n { lossNoisy += (y[i] - x[i]) * (y[i] - x[i]) / r }
      }
      for j in 0..<m {
        let s = sigma * norms[j]
        predicted += s > 0 ? Normal.cdf(zBar[j] / s) : (zBar[j] > 0 ? 1 : 0)
        guard s > 0 else { continue }
        // h̃ ≠ 0 when the noisy unit is on; η ≠ 0 also whenever z̄ > 0.
        let on = r * Normal.cdf(zBar[j] / s), moved = zBar[j] > 0 ? r : on
        eq21.add(measured: sumH[j] / r, squares: sumH2[j] / r, draws: r, predicted: Bricken2023.eq21Mean(zBar: zBar[j], weightNorm: norms[j], sigma: sigma), events: on)
        eta2.add(measured: sumE2[j] / r, squares: sumE4[j] / r, draws: r, predicted: Bricken2023.etaSecondMomentCorrected(zBar: zBar[j], weightNorm: norms[j], sigma: sigma), events: moved)
        printed.add(measured: sumE2[j] / r, squares: sumE4[j] / r, draws: r, predicted: Bricken2023.etaSecondMomentAsPrinted(zBar: zBar[j], weightNorm: norms[j], sigma: sigma), events: moved)
      }
      guard sigma > 0 else { continue }
      for j in 0..<p {
        for k in (j + 1)..<p where norms[j] > 0 && norms[k] > 0 {
          var dot = 0.0
          for q in 0..<n { dot += dae.encoder.elements[j * n + q] * dae.encoder.elements[k * n + q] }
          let (sj, sk, rho) = (sigma * norms[j], sigma * norms[k], dot / (norms[j] * norms[k]))
          let closed = try Bricken2023.etaCrossMoment(zBar1: zBar[j], zBar2: zBar[k], s1: sj, s2: sk, rho: rho)
          // η_j η_k ≠ 0 needs both η's non-zero: both noisy units on when
          // both z̄ ≤ 0 (Φ₂), the other one on when one z̄ > 0.
          let both: Double
          switch (zBar[j] > 0, zBar[k] > 0) {
          case (true, true): both = 1
          case (true, false): both = Normal.cdf(zBar[k] / sk)
          case (false, true): both = Normal.cdf(zBar[j] / sj)
          case (false, false): both = try Bricken2023.bivariateNormalCDF(zBar[j] / sj, zBar[k] / sk, rho: min(max(rho, -1 + 1e-12), 1 - 1e-12))
          }
          cross.add(measured: sumC[j * p + k] / r, squares: sumC2[j * p + k] / r, draws: r, predicted: closed, events: r * both)
        }
      }
    }
    let units = Double(count * m)
    return DAEAnalysis(
      sigmaTrain: dae.sigmaTrain, sigma: sigma, data: count, draws: draws, pairUnits: p, seed: seed,
      activeClean: Double(active) / units, activeNoisy: Double(activeNoisy) / (units * r), activeNoisyPredicted: predicted / units,
      deadUnits: everActive.filter { !$0 }.count, meanEncoderBias: dae.encoderBias.reduce(0, +) / Double(m),
      meanEncoderNorm: norms.reduce(0, +) / Double(m), lossClean: lossClean / Double(count * n), lossNoisy: lossNoisy / Double(count * n),
      eq21: eq21.comparison, eta2: eta2.comparison, eta2AsPrinted: printed.comparison, cross: cross.comparison)
  }

  /// z-scores of sample means against predictions.
  struct Accumulator {
    var worst = 0.0, compared = 0, skipped = 0, absError = 0.0, absPredicted = 0.0
    /// `measured` the sample mean of a quantity over `draws`, `squares` the
    /// mean of its square: SE = √((squares − measured²)/(draws − 1)).
    /// `events` is the expected number of draws where the quantity is not 0:
    /// the sample mean of a mostly-zero quantity is far from normal, and its
    /// sample SE too small, until it has many (one non-zero draw in 500 gave
    /// |z| in the hundreds), so fewer than `minimumEvents` skip: the mean's
    /// skewness is then ≲ 1/√1000 ≈ 0.03. The cross term's worst |z| stays
    /// higher than a normal's (up to 4.9 over ~900 correlated pairs, in
    /// results/dae-sparsity) while an independent NumPy check of the same
    /// closed form with 200 000 draws gave 2.4: the products' tails.
    mutating func add(measured: Double, squares: Double, draws: Double, predicted: Double, events: Double) {
      let variance = max(squares - measured * measured, 0) * draws / (draws - 1)
      let se = (variance / draws).squareRoot()
      guard se > 0, events >= DAEAnalysis.minimumEvents else {
        skipped += 1
        return
      }
      compared += 1
      worst = max(worst, abs(measured - predicted) / se)
      absError += abs(measured - predicted)
      absPredicted += abs(predicted)
    }
    var comparison: Comparison {
      Comparison(worstZ: worst, compared: compared, skipped: skipped, relativeError: absPredicted > 0 ? absError / absPredicted : 0)
    }
  }
}
