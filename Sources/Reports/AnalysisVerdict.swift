import GaussianMoments
import CTRNN
import Foundation

/// The one-line verdict of `analyze`: where the output error is smallest,
/// how large the noise-induced bias is by simulation and by each analytic
/// approximation, and whether the Gaussian closure agrees with the
/// simulation within Monte-Carlo error.
public struct AnalysisVerdict: Sendable, Equatable {
  /// The readout bias (first output) at one σ: simulated ± SE, and the
  /// closure's and the mean-field's predictions of it.
  public struct Bias: Sendable, Equatable {
    public var sigma: Double
    public var simulated: Double
    public var standardError: Double
    public var closure: Double?
    public var meanField: Double?
    public init(sigma: Double, simulated: Double, standardError: Double, closure: Double?, meanField: Double?) {
      self.sigma = sigma
      self.simulated = simulated
      self.standardError = standardError
      self.closure = closure
      self.meanField = meanField
    }
  }

  /// |z| up to this is agreement within Monte-Carlo error (a 3-SE band
  /// misses a correct closure 0.3 % of the time per output and σ).
  public static let agreementZ = 3.0

  public var placement: NoisePlacement
  public var sigmaTrain: Double
  /// The σ_test with the smallest simulated output error, nil without a task.
  public var optimumSigma: Double?
  public var bias: Bias?
  /// Largest |z| of simulation against closure, nil when no level has both.
  public var worstZ: Double?

  /// With ≥ 2 stable fixed points: how many, the largest σ where every
  /// one holds, the smallest where the noise mixes them (transitions seen),
  /// and the smallest where the reference ensemble leaves its attractor
  /// (so its z is not a closure test there); nil otherwise.
  public struct Attractors: Sendable, Equatable {
    public var count: Int
    public var allHoldUpTo: Double?
    public var mixingFrom: Double?
    public var referenceLeavesFrom: Double?
    public init(count: Int, allHoldUpTo: Double?, mixingFrom: Double?, referenceLeavesFrom: Double?) {
      self.count = count
      self.allHoldUpTo = allHoldUpTo
      self.mixingFrom = mixingFrom
      self.referenceLeavesFrom = referenceLeavesFrom
    }
  }
  public var attractors: Attractors?

  public init(
    placement: NoisePlacement, sigmaTrain: Double, optimumSigma: Double?, bias: Bias?, worstZ: Double?, attractors: Attractors? = nil
  ) {
    self.placement = placement
    self.sigmaTrain = sigmaTrain
    self.optimumSigma = optimumSigma
    self.bias = bias
    self.worstZ = worstZ
    self.attractors = attractors
  }

  /// The bias is reported at the level nearest σ_train (the last level when
  /// that is σ = 0, where there is no noise to bias anything; with several
  /// attractors, the last where the reference ensemble stays in its own).
  public init(_ a: NetworkAnalysis) {
    // With several attractors, a level where the reference ensemble leaves
    // its attractor has no bias of that attractor to report: then the
    // largest σ > 0 where it stays.
    let staying = a.levels.filter { $0.sigma > 0 && !a.referenceLeaves($0) }
    let level = a.trainingLevel.flatMap { $0.sigma > 0 && !a.referenceLeaves($0) ? $0 : nil }
      ?? (a.levels.contains(where: a.referenceLeaves) ? staying.last : nil) ?? a.levels.last!
    var bias: Bias?
    if let b = level.bias.first, let se = level.simulatedStandardError.first {
      bias = Bias(
        sigma: level.sigma, simulated: b, standardError: se,
        closure: level.closure?.readoutMean.first.map { $0 - a.reference.readout[0] },
        meanField: level.meanField?.first.map { $0 - a.reference.readout[0] })
    }
    var attractors: Attractors?
    if let count = a.levels.compactMap({ $0.multistable?.attractors.count }).first {
      // σ ascending: "up to" is the last σ of the leading run where all hold.
      let holding = a.levels.prefix { $0.multistable?.holding.allSatisfy { $0 } ?? false }
      attractors = Attractors(
        count: count, allHoldUpTo: holding.last?.sigma,
        mixingFrom: a.levels.first { $0.multistable?.occupancy?.mixing == true }?.sigma,
        referenceLeavesFrom: a.levels.first(where: a.referenceLeaves)?.sigma)
    }
    self.init(
      placement: a.checkpoint.noise, sigmaTrain: a.checkpoint.sigmaTrain, optimumSigma: a.optimum?.sigma, bias: bias,
      worstZ: a.worstZ, attractors: attractors)
  }

  /// nil when there is nothing to compare.
  public var closureAgreesWithSimulation: Bool? { worstZ.map { $0 <= Self.agreementZ } }

  public var text: String {
    var parts: [String] = []
    if let best = optimumSigma {
      let atTrain = abs(best - sigmaTrain) < 1e-12 ? " = sigma_train" : ""
      parts.append(String(format: "optimum at sigma_test = %g%@ (sigma_train = %g)", best, atTrain, sigmaTrain))
    }
    if let bias {
      let b = bias.simulated, se = bias.standardError
      let placement = "noise-\(self.placement.label)"
      var text = String(format: "%@ readout bias at sigma = %g: %.4g +- %.2g (simulated)", placement, bias.sigma, b, se)
      // The relative miss is shown only when the bias is resolved (> 3 SE).
      for (name, analytic) in [("Gaussian closure", bias.closure), ("mean-field", bias.meanField)] {
        guard let analytic else { continue }
        text += String(format: ", %.4g (%@", analytic, name)
        if abs(b) > 3 * se { text += String(format: ", %.1f%% off", 100 * abs(analytic - b) / abs(b)) }
        text += ")"
      }
      parts.append(text)
    }
    if let worst = worstZ {
      let scope = attractors?.referenceLeavesFrom.map { String(format: " at sigma < %g", $0) } ?? ""
      parts.append(String(format: "closure vs simulation: max |z| = %.2f%@%@", worst, scope, worst <= Self.agreementZ ? " (within 3 SE)" : " (NOT within 3 SE)"))
    }
    if let m = attractors {
      var text = "\(m.count) attractors"
      text += m.allHoldUpTo.map { String(format: ", every one holds (mean dwell >= %g relaxation times) up to sigma = %g", MultistableLevel.holdingFactor, $0) }
        ?? ", not all hold at any sigma"
      text += m.mixingFrom.map { String(format: "; the noise mixes them from sigma = %g", $0) } ?? "; no transitions between them at any sigma"
      if let from = m.referenceLeavesFrom {
        text += String(format: "; from sigma = %g the reference ensemble leaves its attractor (z there is no closure test; the attractor table gives the mixture readout)", from)
      }
      parts.append(text)
    }
    return parts.joined(separator: "; ")
  }
}
