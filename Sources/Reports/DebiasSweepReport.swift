import CTRNN
import Foundation
import Training

/// `debias RESULTS.json -o DIR`: every kept network of a paradox sweep
/// debiased (see `DebiasReport`), then per (placement, σ_train) the seed
/// means of the simulated test loss at σ_test = 0 before and after, at σ
/// before, and of the penalty left. A network whose debiasing fails (the
/// closure has no solution at some input) is listed with the reason and
/// left out of its cell.
public struct DebiasSweepReport: Sendable, Encodable {
  public struct Entry: Sendable, Encodable {
    public var noise: String
    public var sigmaTrain: Double
    public var seed: UInt64
    public var checkpoint: String
    /// The debiased checkpoint's name inside the output directory (nil when it failed).
    public var output: String?
    public var lossAtZeroBefore, lossAtZeroAfter, lossAtSigmaBefore: Double?
    public var penaltyRemaining: Double?
    public var failure: String?
  }

  public struct Cell: Sendable, Encodable {
    public var noise: String
    public var sigmaTrain: Double
    /// Networks debiased (failures excluded) of `networks`.
    public var seeds: Int
    public var networks: Int
    public var lossAtZeroBefore, lossAtZeroAfter, lossAtSigmaBefore: MechanismReport.Stat
    public var penaltyRemaining: MechanismReport.Stat
  }

  /// One kept network's debiasing: its report, or why it failed.
  public enum Outcome: Sendable {
    case debiased(DebiasReport)
    case failed(String)
  }

  public var results: String
  public var task: String
  public var activation: String
  public var networks: [Entry]
  public var cells: [Cell]
  public var methods: [String: String]

  /// `entries`: per kept outcome, its checkpoint link and either the
  /// network's report or why it failed.
  public init(results path: String, config: ParadoxConfig, entries: [(ParadoxOutcome, String, Outcome)]) {
    results = path
    task = config.task
    activation = config.activation
    networks = entries.map { outcome, link, result in
      var e = Entry(
        noise: outcome.job.noise.label, sigmaTrain: outcome.job.sigmaTrain, seed: outcome.job.seed, checkpoint: link)
      switch result {
      case .debiased(let r):
        e.output = r.output
        e.lossAtZeroBefore = r.before.first { $0.sigmaTest == 0 }?.simulated
        e.lossAtZeroAfter = r.after.first { $0.sigmaTest == 0 }?.simulated
        e.lossAtSigmaBefore = r.before.first { $0.sigmaTest == r.sigma }?.simulated
        e.penaltyRemaining = r.penaltyRemaining
      case .failed(let reason):
        e.failure = reason
      }
      return e
    }
    let networks = self.networks
    var keys: [(String, Double)] = []
    for e in networks where !keys.contains(where: { $0 == (e.noise, e.sigmaTrain) }) { keys.append((e.noise, e.sigmaTrain)) }
    cells = keys.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { noise, st in
      let all = networks.filter { $0.noise == noise && $0.sigmaTrain == st }, ok = all.filter { $0.failure == nil }
      return Cell(
        noise: noise, sigmaTrain: st, seeds: ok.count, networks: all.count,
        lossAtZeroBefore: .init(ok.map(\.lossAtZeroBefore)), lossAtZeroAfter: .init(ok.map(\.lossAtZeroAfter)),
        lossAtSigmaBefore: .init(ok.map(\.lossAtSigmaBefore)), penaltyRemaining: .init(ok.map(\.penaltyRemaining)))
    }
    methods = [
      "losses": "per network as `debias` reports them: simulated stationary test loss over the task's input grid, at sigma_test = 0 before and after, and at sigma (sigma_train) before",
      "cells": "mean(SE) over the networks of a (placement, sigma_train) that were debiased; a failed network is listed with its reason and left out",
      "penalty_remaining": "(L_after(0) - L_before(sigma)) / (L_before(0) - L_before(sigma)); absent when the penalty is not positive",
    ]
  }

  public var table: Table {
    var t = Table(
      columns: ["noise", "sigma_train", "debiased", "loss@0 before", "loss@0 after", "loss@sigma before", "penalty left"],
      caption: "per (placement, sigma_train): simulated stationary loss, mean ± SE over seeds")
    func pm(_ s: MechanismReport.Stat) -> String {
      guard let m = s.mean else { return "-" }
      return String(format: "%.3g", m) + (s.n > 1 ? " ± " + String(format: "%.1g", s.se) : "")
    }
    for c in cells {
      t.append([
        c.noise, "\(c.sigmaTrain)", "\(c.seeds)/\(c.networks)", pm(c.lossAtZeroBefore), pm(c.lossAtZeroAfter),
        pm(c.lossAtSigmaBefore), pm(c.penaltyRemaining),
      ])
    }
    return t
  }

  public func render(_ format: TableFormat) -> String {
    let failed = networks.filter { $0.failure != nil }
    let notes = failed.map { "not debiased: noise-\($0.noise) sigma_train=\($0.sigmaTrain) seed=\($0.seed): \($0.failure!)" }
    let head = "\(results): \(task), \(activation), \(networks.count) kept networks, \(networks.count - failed.count) debiased"
    let body = table.render(format)
    return format.frame(body, heading: head, closing: notes.joined(separator: "; ")) {
      head + "\n\n" + body + notes.map { $0 + "\n" }.joined()
    }
  }
}
