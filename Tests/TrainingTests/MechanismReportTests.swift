import CTRNN
import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import Reports
@testable import Training

/// The `mechanism` and `debias` reports built from library values, without
/// a subprocess (they live here because MechanismReport reads Training's
/// sweep types).
final class MechanismReportTests: XCTestCase {
  /// One softplus neuron with no recurrence (so the closure is exact):
  /// the predicted loss is (E f(b + σξ) − y)² + Var f, its minimum where
  /// E f crosses the target.
  static func neuron(noise: NoisePlacement) throws -> Checkpoint {
    try Checkpoint(
      activation: .softplus, noise: noise, sigmaTrain: 0.5, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 1, columns: 1, elements: [0]), inputWeights: Matrix(rows: 1, columns: 1, elements: [0]),
      bias: [0.2], readoutWeights: Matrix(rows: 1, columns: 1, elements: [1]), readoutBias: [0], task: "function")
  }

  func testOptimaCellsAndVerdict() throws {
    let grid = [0.0, 0.5, 1.0]
    let config = ParadoxConfig(
      task: "function", activation: "softplus", hidden: 1, iterations: 1, batch: 1, learningRate: 1e-3, clip: 1, dt: 0.1,
      tau: 1, trialSteps: 10, placements: [.inside], sigmaTrain: [0.5], seeds: [1, 2], sigmaTest: grid,
      evaluationTrials: 1, evaluationRepeats: 1)
    var sim = NetworkSimulationOptions()
    sim.trajectories = 8
    sim.steps = 200
    sim.burnIn = 50
    sim.threads = 1
    // Target f(b): the noise only adds bias² and Var z, so the predicted optimum is σ = 0.
    let samples = [TaskSample(input: [0], target: [Activation.softplus(0.2)])]
    let m = try NetworkMechanism(checkpoint: try Self.neuron(noise: .inside), samples: samples, sigmas: grid, simulation: sim)
    XCTAssertEqual(m.predictedOptimum, 0)
    XCTAssertEqual(m.predicted(at: 0)!, 0, accuracy: 1e-24)
    // Seed 1 measured its optimum at 0 (agrees), seed 2 at 1.0 (two grid steps away: does not).
    let o1 = ParadoxOutcome(job: ParadoxJob(noise: .inside, sigmaTrain: 0.5, seed: 1), finalLoss: 0, testLoss: [0.1, 0.2, 0.3], testStandardError: [0, 0, 0])
    let o2 = ParadoxOutcome(job: ParadoxJob(noise: .inside, sigmaTrain: 0.5, seed: 2), finalLoss: 0, testLoss: [0.3, 0.2, 0.1], testStandardError: [0, 0, 0])
    // The trial prediction of this memoryless neuron is the stationary one after its first step; the report takes it as given.
    let trial = grid.map { m.predicted(at: $0) }
    let report = MechanismReport(
      results: "r.json", config: config,
      networks: [
        .init(outcome: o1, checkpoint: "a.ckpt", mechanism: m, predictedTrialLoss: trial),
        .init(outcome: o2, checkpoint: "b.ckpt", mechanism: m, predictedTrialLoss: trial),
      ])
    XCTAssertEqual(report.networks[0].stationaryLoss.map { $0! }, trial.map { $0! })
    XCTAssertEqual(report.networks.map(\.measuredOptimum), [0, 1])
    XCTAssertEqual(report.networks.map(\.optimumAgrees), [true, false])
    XCTAssertEqual(report.cells.count, 1)
    let cell = report.cells[0]
    XCTAssertEqual(cell.measuredOptimum.mean, 0.5)
    XCTAssertEqual(cell.measuredOptimum.se, 0.5, accuracy: 1e-15, "sd 0.7071 / √2")
    XCTAssertEqual(cell.optimumAgrees, 1)
    XCTAssert(report.verdict.contains("1/2 networks") && report.verdict.contains("noise-in sigma_train=0.5 (1/2)"), report.verdict)
    // Both measured 0.2 at σ_train; the closure predicts bias² + Var f there.
    XCTAssertEqual(report.networks[0].sigmaTestNearTrain, 0.5)
    XCTAssertEqual(report.networks[0].measuredLossAtTrain, 0.2)
    let json = try JSONSerialization.jsonObject(with: Data(try JSONOutput.string(report).utf8)) as! [String: Any]
    XCTAssertEqual(Set(json.keys), ["results", "task", "activation", "inputs", "networks", "cells", "verdict", "methods"])
    let entry = (json["networks"] as! [[String: Any]])[0]
    XCTAssertNotNil(entry["units_carrying80_percent"] ?? entry["units_carrying_80_percent"])
  }

  func testDebiasPenaltyRemaining() {
    typealias L = DebiasReport.Loss
    let before = [L(sigmaTest: 0, predicted: nil, simulated: 0.4, simulatedStandardError: 0), L(sigmaTest: 0.5, predicted: nil, simulated: 0.1, simulatedStandardError: 0.01)]
    let after = [L(sigmaTest: 0, predicted: nil, simulated: 0.13, simulatedStandardError: 0), L(sigmaTest: 0.5, predicted: nil, simulated: 0.3, simulatedStandardError: 0.01)]
    XCTAssertEqual(DebiasReport.remaining(before: before, after: after, sigma: 0.5)!, 0.1, accuracy: 1e-12)
    // No penalty (noise-out-like: zero noise is already best): nothing to remove.
    XCTAssertNil(DebiasReport.remaining(before: Array(before.reversed()).map { var l = $0; l.simulated = 0.4 - l.simulated; return l }, after: after, sigma: 0.5))
  }
}
