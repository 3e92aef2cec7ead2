import CTRNN
import Foundation

/// A trained network of a paradox sweep with its measured test-loss curve:
/// what `paradox --keep DIR` writes, as `<stem>.ckpt` and `<stem>.json`.
public struct KeptNetwork: Sendable {
  public var checkpoint: Checkpoint
  public var curve: KeptCurve

  public var job: ParadoxJob { curve.job }
  public var outcome: ParadoxOutcome {
    ParadoxOutcome(job: curve.job, finalLoss: curve.finalLoss, testLoss: curve.testLoss, testStandardError: curve.testStandardError)
  }
}

/// The measured test-loss curve of one kept network (the `<stem>.json` next
/// to its checkpoint): self-contained, so a reader needs neither the results
/// file nor the sweep's configuration to plot it.
public struct KeptCurve: Codable, Sendable, Equatable {
  public static let formatVersion = "fixedpoints-paradox-curve/1"
  public var format = KeptCurve.formatVersion
  public var job: ParadoxJob
  /// The checkpoint's file name, in the same directory.
  public var checkpoint: String
  public var finalLoss: Double
  public var sigmaTest: [Double]
  public var testLoss: [Double]
  public var testStandardError: [Double]

  public init(outcome: ParadoxOutcome, sigmaTest: [Double]) {
    job = outcome.job
    checkpoint = outcome.job.fileStem + ".ckpt"
    finalLoss = outcome.finalLoss
    self.sigmaTest = sigmaTest
    testLoss = outcome.testLoss
    testStandardError = outcome.testStandardError
  }
}

extension ParadoxJob {
  /// "in-s0.5-seed1": placement, σ_train, seed. σ_train is printed by Swift's
  /// shortest round-trip description, so two different σ_train never share a
  /// name, and no two jobs of any sweep (or shard) do.
  public var fileStem: String { "\(noise.rawValue)-s\(sigmaTrain)-seed\(seed)" }
}
