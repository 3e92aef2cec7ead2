import Feedforward
import GSL
import XCTest

@testable import Training

final class DAETrainerTests: XCTestCase {
  /// Backpropagation against central differences of the same loss with the
  /// same input noise. The loss is piecewise quadratic in the parameters
  /// (relu), so a central difference is exact up to rounding (~1e-10 at
  /// h = 1e-5) unless a pre-activation lies within h·|x̃| of 0, which would
  /// be an O(1) failure, not a silent pass; with these draws none is.
  func testGradientMatchesFiniteDifferences() throws {
    let (n, m) = (5, 4)
    let rng = try GSLRandom(seed: 9)
    let p = (0..<(2 * n * m + n + m)).map { _ in 0.5 * rng.gaussian() }
    let data = try SparsePatterns(dimension: n, features: 3, probability: 0.5, seed: 2).sample(3, rng: rng)
    let noise = (0..<(3 * n)).map { _ in rng.gaussian() }
    let (_, g) = DAETrainer.lossAndGradient(p, n: n, m: m, data: data, noise: noise, sigma: 0.4)
    let h = 1e-5
    for k in p.indices {
      var plus = p, minus = p
      plus[k] += h
      minus[k] -= h
      let lp = DAETrainer.lossAndGradient(plus, n: n, m: m, data: data, noise: noise, sigma: 0.4).loss
      let lm = DAETrainer.lossAndGradient(minus, n: n, m: m, data: data, noise: noise, sigma: 0.4).loss
      XCTAssertEqual(g[k], (lp - lm) / (2 * h), accuracy: 1e-7, "parameter \(k)")
    }
  }

  /// Training lowers the loss, the same seed gives the same weights, and
  /// the checkpoint round-trips exactly (F64 tensors, metadata).
  func testTrainsDeterministicallyAndRoundTrips() throws {
    var o = DAETrainer.Options(sigma: 0.3)
    o.inputs = 16
    o.hidden = 16
    o.iterations = 300
    let a = try DAETrainer.train(o), b = try DAETrainer.train(o)
    XCTAssertEqual(a.dae, b.dae)
    XCTAssertLessThan(a.lastBatchLoss, 0.5 * a.firstBatchLoss)
    let back = try DenoisingAutoencoder(safetensors: a.dae.safetensorsFile())
    XCTAssertEqual(back, a.dae)
  }
}
