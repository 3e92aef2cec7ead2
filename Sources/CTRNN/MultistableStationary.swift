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
    /// dt/(1 − spectral radius): how fast the noiseless map relaxes to it.
    public var relaxationTime: Double
  }

  public var sigma: Double
  public var attractors: [Attractor]
  /// nil at σ = 0.
  public var occupancy: AttractorOccupancy?

  /// Attractors that hold at this σ: all at σ = 0; at σ > 0 those whose mean
  /// dwell time (time in it / exits; the whole time when it had none) is at
  /// least `holdingFactor` relaxation times, so the chain relaxes inside the
  /// basin many times before it leaves — a distinct metastable state. Nil
  /// entries: not visited.
  public var holding: [Bool] {
    guard let o = occupancy else { return attractors.map { _ in true } }
    return zip(attractors, o.attractors).map { a, s in
      s.dwellTime > 0 && s.dwellTime / Double(max(1, s.exits)) >= Self.holdingFactor * a.relaxationTime
    }
  }
  public static let holdingFactor = 10.0

  /// ≥ 2 attractors hold at this σ.
  public var multistable: Bool { holding.filter { $0 }.count >= 2 }

  /// One line for reports: multistable or not, whether the noise mixes the
  /// attractors, and whether the simulated weights can be trusted.
  public var summary: String {
    let k = attractors.count, held = holding.filter { $0 }.count
    guard let o = occupancy else { return "\(k) stable fixed points; at sigma = 0 each holds forever" }
    var s = "\(held) of \(k) attractors hold (mean dwell >= \(Int(Self.holdingFactor)) relaxation times); "
    s += "\(o.transitions) transitions in \(o.trajectories) trajectories x \(o.options.steps - o.options.burnIn) steps"
    s += o.converged
      ? "; weights converged"
      : "; NOT converged: some attractor left fewer than \(o.options.minimumTransitions) times, its weight still reflects the starts (equal per basin), not the stationary law"
    return s
  }
}

extension Network {
  /// Stage 4b (≥ 2 stable fixed points). Per attractor: its mean-field point
  /// at σ from `branches` (the branch continued from that fixed point), and
  /// its closure continued in σ: started from the closure at the `previous`
  /// (smaller) σ, else from the mean-field point, else from the fixed point;
  /// once an attractor's closure has failed it is not tried at larger σ (the
  /// failure, with the σ where it ended, is carried on). At σ > 0 the
  /// occupancy from equal numbers of trajectories per basin.
  public func multistableLevel(
    sigma: Double, census: FixedPointCensus, branches: MeanFieldBranches, options: AttractorOccupancy.Options,
    previous: MultistableLevel? = nil
  ) throws -> MultistableLevel? {
    let stable = census.fixedPoints.indices.filter { census.fixedPoints[$0].stable }
    guard stable.count >= 2 else { return nil }
    let attractors = stable.enumerated().map { k, i -> MultistableLevel.Attractor in
      let p = census.fixedPoints[i], branch = branches.all[i], point = branch.point(at: sigma)
      let before = previous?.attractors[k].closure
      let outcome: ClosureOutcome
      if let previous, let carried = before?.carried(from: previous.sigma) {
        outcome = carried
      } else {
        outcome = closure(sigma: sigma, start: before?.closure?.mean ?? point?.h ?? p.h)
      }
      // A closure that converged nearer another attractor left this one's
      // basin: it describes that attractor, not this one.
      if let c = outcome.closure, let j = stable.min(by: {
        NetworkAnalysis.distance(c.mean, census.fixedPoints[$0].h) < NetworkAnalysis.distance(c.mean, census.fixedPoints[$1].h)
      }), j != i {
        return MultistableLevel.Attractor(
          fixedPoint: i, fixedPointReadout: p.readout, meanField: point?.readout, branchEnd: branch.outcome.endReason,
          closure: .leftBasin(sigma: sigma, nearer: j),
          relaxationTime: dt / max(1e-12, 1 - p.spectralRadius))
      }
      return MultistableLevel.Attractor(
        fixedPoint: i, fixedPointReadout: p.readout, meanField: point?.readout, branchEnd: branch.outcome.endReason,
        closure: outcome, relaxationTime: dt / max(1e-12, 1 - p.spectralRadius))
    }
    let occupancy = sigma > 0
      ? try attractorOccupancy(sigma: sigma, attractors: stable.map { census.fixedPoints[$0].h }, options: options) : nil
    return MultistableLevel(sigma: sigma, attractors: attractors, occupancy: occupancy)
  }
}
