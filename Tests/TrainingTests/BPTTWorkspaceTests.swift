import CTRNN
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// A pass that takes its buffers from a `BPTTWorkspace` (what TrainingLoop
/// does) must give the very bits of a pass on fresh zeroed arrays, whatever
/// the previous pass left in them: every entry but h_0 (0, never written)
/// must be overwritten before it is read. Each pass has another network and
/// noise, so stale entries would carry the previous pass's values; a pass
/// of another batch size in between changes the buffers' sizes.
final class BPTTWorkspaceTests: XCTestCase {
  func run<T: TrainingScalar>(_: T.Type) throws {
    let task = FunctionTask(steps: 12)
    let workspace = BPTTWorkspace<T>()
    for (trials, seed, f) in [(17, 1, Activation.relu), (17, 2, .tanh), (5, 3, .relu), (17, 4, .relu), (17, 5, .softplus)] {
      let batch = task.batch(trials: trials, rng: try GSLRandom(seed: UInt(seed)))
      let p = try Parameters.initial(hidden: 6, inputs: 1, outputs: 1, seed: UInt64(seed))
      let d = Dynamics(activation: f, noise: .inside, sigma: 0.5, dt: 0.2, tau: 1)
      let xi = Trainer.noise(count: 12 * trials * 6, seed: UInt64(seed), stream: 0).map { T($0) }
      let fresh = BPTT.lossAndGradient(p, batch, noise: xi, dynamics: d, workspace: nil)
      let reused = BPTT.lossAndGradient(p, batch, noise: xi, dynamics: d, workspace: workspace)
      XCTAssertEqual(fresh.loss.bitPattern, reused.loss.bitPattern, "\(T.self) \(trials) trials \(f)")
      XCTAssertEqual(fresh.gradient.flat.map(\.bitPattern), reused.gradient.flat.map(\.bitPattern), "\(T.self) \(trials) trials \(f)")
    }
  }

  func testReusedBuffersGiveTheSameBits() throws {
    try run(Double.self)
    try run(Float.self)
  }
}
