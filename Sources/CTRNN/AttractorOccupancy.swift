import Foundation
import GSL
import SDE

/// How the noisy chain shares its time among several stable fixed points.
///
/// States are assigned to attractors by **cores** (milestoning): attractor
/// k's core is the ball max|h − h_k| ≤ r_k with r_k = `coreFraction` × the
/// max-norm distance from h_k to the nearest other attractor. A trajectory
/// belongs to the last core it was in and keeps that label while it crosses
/// the ground between cores, so a state flickering at a basin's edge makes
/// no transitions; a **transition** k → j is entering core j after core k.
/// Before a trajectory's first core (none, when it starts at h_k) its time
/// is unassigned and uncounted.
///
/// Escape rate of k = transitions out of k / time labelled k (per unit of
/// time t = steps·dt), SE = √(max(transitions, 1))/time (Poisson count; no
/// exit gives the scale 1/time of a rate the run could not see, not 0): the dwell
/// times in k, first passages out of its core included, are the first-passage
/// times of k. Weights (fraction of time per attractor) and readouts pool
/// every trajectory after the burn-in; their SEs come from the spread of the
/// M independent trajectories' own averages (independent long runs), which
/// stays honest when trajectories hop: each run's average carries its hops.
public struct AttractorOccupancy: Sendable {
  public struct Options: Sendable {
    /// Trajectories started at each attractor (equal numbers per basin).
    public var trajectoriesPerAttractor = 4
    public var steps = 10_000
    public var burnIn = 1_000
    /// Core radius as a fraction of the distance to the nearest other attractor.
    public var coreFraction = 0.25
    /// Fewer exits than this from any one attractor and the weights are
    /// reported as not converged (each weight rests on its own dwell times).
    public var minimumTransitions = 10
    public var seed: UInt64 = 1
    public init() {}
  }

  /// Per attractor, in the order given.
  public struct Attractor: Sendable {
    /// Fraction of the labelled time after the burn-in, and its SE.
    public var weight: Double
    public var weightStandardError: Double
    /// Mean readout while labelled with this attractor (nil: never).
    public var readout: [Double]?
    /// Transitions out of this attractor, time labelled with it (t units).
    public var exits: Int
    public var dwellTime: Double
    /// exits / dwellTime and √max(exits, 1) / dwellTime; nil when never visited.
    public var escapeRate: Double?
    public var escapeRateStandardError: Double?
  }

  public var sigma: Double
  public var options: Options
  public var attractors: [Attractor]
  /// Transitions between cores over every trajectory (after the burn-in).
  public var transitions: Int
  /// Time average of the readout over every trajectory, = Σ weight·readout.
  public var mixtureReadout: [Double]
  /// SE from the M independent trajectories' averages.
  public var mixtureReadoutStandardError: [Double]
  public var trajectories: Int
  /// Every attractor left ≥ options.minimumTransitions times.
  public var converged: Bool { attractors.allSatisfy { $0.exits >= options.minimumTransitions } }
  /// More than one attractor held ≥ 1 % of the time: the noise mixes them.
  public var mixing: Bool { attractors.filter { $0.weight >= 0.01 }.count >= 2 && transitions > 0 }
}

extension Network {
  /// Runs the exact chain at σ from every stable point in `attractors`
  /// (`trajectoriesPerAttractor` each; trajectory j on noise stream j of
  /// the seed, all in one batch, so the result does not depend on threads)
  /// and measures occupancy, transitions and escape rates (see
  /// `AttractorOccupancy`).
  public func attractorOccupancy(
    sigma: Double, attractors: [[Double]], options o: AttractorOccupancy.Options
  ) throws -> AttractorOccupancy {
    let k = attractors.count, n = size, outs = outputs
    guard k >= 1, attractors.allSatisfy({ $0.count == n }) else {
      throw NetworkError.badInput("attractor occupancy needs at least one attractor of \(n) values")
    }
    guard o.trajectoriesPerAttractor >= 1 else {
      throw NetworkError.invalidParameter(.trajectories, message: "per attractor must be >= 1, got \(o.trajectoriesPerAttractor)")
    }
    guard o.burnIn >= 0 else { throw NetworkError.invalidParameter(.burnIn, message: "must be >= 0, got \(o.burnIn)") }
    guard o.steps > o.burnIn else {
      throw NetworkError.invalidParameter(.steps, message: "must exceed the burn-in (\(o.burnIn)), got \(o.steps)")
    }
    func distance(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) } }
    let radii = attractors.indices.map { i in
      o.coreFraction * (attractors.indices.filter { $0 != i }.map { distance(attractors[i], attractors[$0]) }.min() ?? .infinity)
    }
    let m = k * o.trajectoriesPerAttractor
    let problem = try chain(sigma: sigma, initialState: attractors[0], steps: 1)
    var x = [Double](repeating: 0, count: m * n), next = x, xi = x
    var label = [Int](repeating: -1, count: m)
    for r in 0..<m {
      let a = r / o.trajectoriesPerAttractor
      for i in 0..<n { x[r * n + i] = attractors[a][i] }
      label[r] = a
    }
    var streams = (0..<m).map { GaussianStream(seed: o.seed, stream: UInt64($0)) }
    // Per trajectory and attractor: labelled steps, exits, readout sums.
    var time = [Int](repeating: 0, count: m * k), exits = [Int](repeating: 0, count: m * k)
    var sums = [Double](repeating: 0, count: m * k * outs), total = [Double](repeating: 0, count: m * outs)
    var counted = [Int](repeating: 0, count: m)
    let flatAttractors = attractors.flatMap { $0 }, flatReadout = (0..<outs).flatMap { q in (0..<n).map { readoutWeights[q, $0] } }
    for step in 0..<o.steps {
      for r in 0..<m {
        xi.withUnsafeMutableBufferPointer { p in
          streams[r].fillGaussian(UnsafeMutableBufferPointer(rebasing: p[(r * n)..<((r + 1) * n)]))
        }
      }
      x.withUnsafeBufferPointer { xp in
        xi.withUnsafeBufferPointer { np in next.withUnsafeMutableBufferPointer { problem.map(xp, np, $0) } }
      }
      swap(&x, &next)
      guard x.allSatisfy(\.isFinite) else {
        throw NetworkError.notContracting("a trajectory at sigma = \(sigma) became non-finite")
      }
      let record = step >= o.burnIn
      // Flat copies, no allocation per step: this loop runs M × steps times.
      x.withUnsafeBufferPointer { xp in
        for r in 0..<m {
          let row = r * n
          var entered = -1
          for a in 0..<k {
            var d = 0.0
            for i in 0..<n { d = max(d, abs(xp[row + i] - flatAttractors[a * n + i])) }
            if d <= radii[a] {
              entered = a
              break
            }
          }
          if entered >= 0, entered != label[r] {
            if record, label[r] >= 0 { exits[r * k + label[r]] += 1 }
            label[r] = entered
          }
          guard record, label[r] >= 0 else { continue }
          time[r * k + label[r]] += 1
          counted[r] += 1
          for q in 0..<outs {
            var z = readoutBias[q]
            for i in 0..<n { z += flatReadout[q * n + i] * xp[row + i] }
            sums[(r * k + label[r]) * outs + q] += z
            total[r * outs + q] += z
          }
        }
      }
    }
    let allTime = Double(counted.reduce(0, +))
    let perRun = counted.map { max(1, Double($0)) }
    func spreadSE(_ values: [Double]) -> Double {
      guard values.count > 1 else { return .nan }
      let mean = values.reduce(0, +) / Double(values.count)
      let v = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
      return (v / Double(values.count)).squareRoot()
    }
    let results = (0..<k).map { a -> AttractorOccupancy.Attractor in
      let steps = (0..<m).reduce(0) { $0 + time[$1 * k + a] }
      let out = (0..<m).reduce(0) { $0 + exits[$1 * k + a] }
      let dwell = Double(steps) * dt
      let readout: [Double]? = steps == 0 ? nil : (0..<outs).map { q in
        (0..<m).reduce(0.0) { $0 + sums[($1 * k + a) * outs + q] } / Double(steps)
      }
      return AttractorOccupancy.Attractor(
        weight: Double(steps) / allTime, weightStandardError: spreadSE((0..<m).map { Double(time[$0 * k + a]) / perRun[$0] }),
        readout: readout, exits: out, dwellTime: dwell,
        escapeRate: steps == 0 ? nil : Double(out) / dwell, escapeRateStandardError: steps == 0 ? nil : Double(max(1, out)).squareRoot() / dwell)
    }
    let mixture = (0..<outs).map { q in (0..<m).reduce(0.0) { $0 + total[$1 * outs + q] } / allTime }
    let mixtureSE = (0..<outs).map { q in spreadSE((0..<m).map { total[$0 * outs + q] / perRun[$0] }) }
    return AttractorOccupancy(
      sigma: sigma, options: o, attractors: results, transitions: exits.reduce(0, +), mixtureReadout: mixture,
      mixtureReadoutStandardError: mixtureSE, trajectories: m)
  }
}
