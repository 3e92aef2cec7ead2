import Foundation

/// The stationary law of a network with more than one stable fixed point at
/// one σ: per attractor its own mean-field branch and Gaussian closure (each
/// continued from that fixed point), and the simulated occupancy of the
/// attractors with the mixture readout. At σ = 0 nothing is simulated: every
/// attractor holds forever.
public struct MultistableLevel: Sendable {
  public struct Attractor: Sendable {
    /// Index in the census's `fixedPoints`.
    public var fixedPoint: Int
    public var fixedPointReadout: [Double]
    /// Mean-field readout on this attractor's branch; nil past its end.
    public var meanField: [Double]?
    /// Where this attractor's branch ended (nil: it reached the largest σ).
    public var branchEnd: String?
    public var closure: ClosureOutcome
  }

  public var sigma: Double
  public var attractors: [Attractor]
  /// nil at σ = 0.
  public var occupancy: AttractorOccupancy?

  /// At σ = 0 the network is multistable by definition of the census; at σ > 0
  /// more than one attractor keeps a branch, a closure, or ≥ 1 % of the
  /// simulated time.
  public var multistable: Bool {
    guard let occupancy else { return attractors.count >= 2 }
    return occupancy.attractors.filter { $0.weight >= 0.01 }.count >= 2
  }

  /// One line for reports: whether the noise mixes the attractors, and
  /// whether the simulated weights can be trusted.
  public var summary: String {
    let k = attractors.count
    guard let o = occupancy else { return "\(k) stable fixed points; at sigma = 0 each holds forever" }
    let occupied = o.attractors.filter { $0.weight >= 0.01 }.count
    var s = "\(k) stable fixed points, \(occupied) occupied >= 1% of the time, \(o.transitions) transitions in \(o.trajectories) trajectories"
    s += o.converged
      ? "; weights converged"
      : "; NOT converged: fewer than \(o.options.minimumTransitions) transitions, the weights reflect the starts (equal per basin), not the stationary law"
    return s
  }
}

extension Network {
  /// Stage 4b (≥ 2 stable fixed points). Per attractor: its mean-field point
  /// at σ from `branches` (the branch continued from that fixed point), its
  /// closure from there (or from the fixed point past the branch's end); at
  /// σ > 0 the occupancy from equal numbers of trajectories per basin.
  public func multistableLevel(
    sigma: Double, census: FixedPointCensus, branches: MeanFieldBranches, options: AttractorOccupancy.Options
  ) throws -> MultistableLevel? {
    let stable = census.fixedPoints.indices.filter { census.fixedPoints[$0].stable }
    guard stable.count >= 2 else { return nil }
    let attractors = stable.map { i -> MultistableLevel.Attractor in
      let p = census.fixedPoints[i], branch = branches.all[i], point = branch.point(at: sigma)
      return MultistableLevel.Attractor(
        fixedPoint: i, fixedPointReadout: p.readout, meanField: point?.readout, branchEnd: branch.outcome.endReason,
        closure: closure(sigma: sigma, start: point?.h ?? p.h))
    }
    let occupancy = sigma > 0
      ? try attractorOccupancy(sigma: sigma, attractors: stable.map { census.fixedPoints[$0].h }, options: options) : nil
    return MultistableLevel(sigma: sigma, attractors: attractors, occupancy: occupancy)
  }
}
