import CTRNN
import Foundation

// The multistable part of the analysis report: present (JSON key
// `multistable` per noise level, a table, a `methods` entry) only when the
// census has ≥ 2 stable fixed points, so a single-attractor report is
// unchanged.

extension AnalysisReport {
  public struct Multistable: Encodable, Sendable {
    public struct Attractor: Encodable, Sendable {
      /// Index into the report's `fixed_points`.
      public var fixedPoint: Int
      public var fixedPointReadout: [Double]
      public var analyticMeanField: [Double]?
      public var branchEndReason: String?
      public var analyticClosure: [Double]?
      public var closureFailure: String?
      /// Simulated (σ > 0 only): fraction of time, readout while there, exits, escape rate per unit time.
      public var weight, weightSe: Double?
      public var simulatedReadout: [Double]?
      public var exits: Int?
      public var dwellTime: Double?
      public var escapeRate, escapeRateSe: Double?
      /// dt/(1 − spectral radius), and whether it holds at this σ (see `multistable`).
      public var relaxationTime: Double
      public var holds: Bool
    }
    /// ≥ 2 attractors hold: at σ = 0 all; at σ > 0 mean dwell ≥ 10 relaxation times.
    public var multistable: Bool
    /// Every attractor left ≥ minimum_transitions times; nil at σ = 0.
    public var converged: Bool?
    public var transitions: Int?
    public var minimumTransitions: Int?
    public var trajectories: Int?
    /// The reference ensemble leaves its attractor at this σ (see
    /// `NetworkAnalysis.referenceLeaves`): its z is no test of the closure.
    public var referenceLeaves: Bool
    /// Σ weight × per-attractor readout (the pooled time average), and its SE.
    public var mixtureReadout, mixtureReadoutSe: [Double]?
    public var summary: String
    public var attractors: [Attractor]

    public init(_ m: MultistableLevel, referenceLeaves: Bool) {
      let o = m.occupancy
      self.referenceLeaves = referenceLeaves
      multistable = m.multistable
      converged = o?.converged
      transitions = o?.transitions
      minimumTransitions = o?.options.minimumTransitions
      trajectories = o?.trajectories
      mixtureReadout = o?.mixtureReadout
      mixtureReadoutSe = o?.mixtureReadoutStandardError
      summary = m.summary
      attractors = m.attractors.enumerated().map { k, a in
        let s = o?.attractors[k]
        return Attractor(
          fixedPoint: a.fixedPoint, fixedPointReadout: a.fixedPointReadout, analyticMeanField: a.meanField,
          branchEndReason: a.branchEnd, analyticClosure: a.closure.closure?.readoutMean, closureFailure: a.closure.failure,
          weight: s?.weight, weightSe: s?.weightStandardError, simulatedReadout: s?.readout, exits: s?.exits,
          dwellTime: s?.dwellTime, escapeRate: s?.escapeRate, escapeRateSe: s?.escapeRateStandardError,
          relaxationTime: a.relaxationTime, holds: m.holding[k])
      }
    }
  }

  static func multistableMethod(_ o: AttractorOccupancy.Options, seed: UInt64) -> String {
    "per stable fixed point: its own mean-field branch and Gaussian closure; exact chain from every attractor (\(o.trajectoriesPerAttractor) trajectories each, \(o.steps) steps, first \(o.burnIn) discarded, noise stream j of seed \(seed)); a state belongs to the last core it entered (core: max|h - h_k| <= \(o.coreFraction) x distance to the nearest other attractor), a transition is entering another core; weight = fraction of time, escape rate = exits / time in the attractor (per unit time, SE sqrt(exits)/time); mixture readout = pooled time average, SE from the independent trajectories' averages; not converged while any attractor has fewer than \(o.minimumTransitions) exits; an attractor holds when its mean dwell time (time / max(exits, 1)) is >= \(Int(MultistableLevel.holdingFactor)) relaxation times dt/(1 - spectral radius), multistable when >= 2 hold"
  }

  /// Per σ and attractor: weight, escape rate, readouts; nil for a single attractor.
  public func multistableTable() -> Table? {
    let levels = noiseLevels.filter { $0.multistable != nil }
    guard !levels.isEmpty else { return nil }
    var t = Table(
      columns: ["sigma_test", "attractor", "fixed point readout", "mean-field", "closure", "weight", "escape rate", "exits", "simulated readout"],
      caption: "Attractors (stable fixed points) at u = \(list(model.input))")
    for l in levels {
      for (k, a) in l.multistable!.attractors.enumerated() {
        func num(_ v: [Double]?) -> String { v.map { $0.map { String(format: "%.4f", $0) }.joined(separator: ",") } ?? "-" }
        t.append([
          k == 0 ? Self.tidy(l.sigma).description : "", "\(a.fixedPoint)", num(a.fixedPointReadout), num(a.analyticMeanField),
          num(a.analyticClosure),
          a.weight.map { String(format: "%.3f +- %.3f", $0, a.weightSe ?? .nan) } ?? "-",
          a.escapeRate.map { String(format: "%.3g +- %.2g", $0, a.escapeRateSe ?? .nan) } ?? "-",
          a.exits.map { "\($0)" } ?? "-", num(a.simulatedReadout),
        ])
      }
    }
    return t
  }

  /// One line per σ: multistable or not, converged or not, mixture readout.
  public var multistableLines: String {
    noiseLevels.compactMap { l -> String? in
      guard let m = l.multistable else { return nil }
      var s = "sigma = \(Self.tidy(l.sigma)): " + (m.multistable ? "MULTISTABLE" : "not multistable") + "; " + m.summary
      if let r = m.mixtureReadout, let se = m.mixtureReadoutSe {
        s += "; mixture readout " + zip(r, se).map { String(format: "%.4f +- %.2g", $0, $1) }.joined(separator: ",")
      }
      return s
    }.map { $0 + "\n" }.joined()
  }
}
