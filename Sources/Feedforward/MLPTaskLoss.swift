import Foundation
import GaussianMoments

/// The test loss of a `function` MLP over its task's inputs at every
/// σ_test — the feedforward form of the paradox measurement: the loss
/// predicted by the propagation, mean over u of (E z − y)² + Var z with
/// y = sin(πu) (closure: linearised covariance), next to the simulated
/// loss ± SE, and the σ_test where each is lowest.
public struct MLPTaskLoss: Sendable {
  public struct Level: Sendable {
    public var sigma: Double
    public var predicted: Double
    /// At σ = 0 there is nothing to simulate: `simulated` is then the
    /// noiseless loss, SE 0.
    public var simulated, simulatedSE: Double
  }

  public var inputs: [Double]
  public var levels: [Level]
  public var samplesPerInput: Int
  public var seed: UInt
  public var optimumPredicted: Double { levels.min { $0.predicted < $1.predicted }!.sigma }
  public var optimumSimulated: Double { levels.min { $0.simulated < $1.simulated }!.sigma }

  /// The midpoints of `count` equal cells of [−1, 1] (the function task's
  /// input range).
  public static func midpoints(_ count: Int) -> [Double] {
    (0..<count).map { -1 + (2 * Double($0) + 1) / Double(count) }
  }

  public static func run(_ net: MLP, inputs: [Double], sigmas: [Double], samplesPerInput: Int, seed: UInt) throws -> MLPTaskLoss {
    guard net.inputSize == 1, net.outputSize == 1 else {
      throw MLPError.badParameter("the function task needs a 1-input, 1-output network; this one is \(net.sizes)")
    }
    guard !inputs.isEmpty, !sigmas.isEmpty else { throw MLPError.badParameter("task loss: need at least one input and one sigma") }
    let evaluator = try MomentEvaluator()
    var levels: [Level] = []
    let scale = 1 / Double(inputs.count)
    for sigma in sigmas {
      var predicted = 0.0, simulated = 0.0, variance = 0.0
      for (k, u) in inputs.enumerated() {
        let y = sin(Double.pi * u)
        let r = try MeanFieldPropagation.propagate(net, input: [u], sigma: sigma, covariance: .linearised, evaluator: evaluator)
        let d = r.outputMean[0] - y
        predicted += scale * (d * d + r.outputCovariance[0, 0])
        if sigma > 0 {
          // One seed per input, the same at every σ (common random numbers).
          let e = try MLPSimulation.squaredError(net, input: [u], target: y, sigma: sigma, samples: samplesPerInput, seed: seed &+ UInt(k))
          simulated += scale * e.mean
          variance += scale * scale * e.se * e.se
        } else {
          let z = try net.output([u])[0] - y
          simulated += scale * z * z
        }
      }
      levels.append(Level(sigma: sigma, predicted: predicted, simulated: simulated, simulatedSE: variance.squareRoot()))
    }
    return MLPTaskLoss(inputs: inputs, levels: levels, samplesPerInput: samplesPerInput, seed: seed)
  }
}
