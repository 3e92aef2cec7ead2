import GaussianMoments
import SDE
import XCTest

/// The float64 C chain step for linear, relu and hardtanh must give the
/// doubles of the Swift loop it replaces (`Network.chain`'s elementwise
/// step), bit for bit: the network chains' results are promised unchanged.
final class ChainStepKernelTests: XCTestCase {
  func testFloat64StepIsTheSwiftLoopBitForBit() {
    var seed: UInt64 = 99
    func uniform() -> Double {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(seed >> 11) * 0x1.0p-53
    }
    let rows = 5, n = 37
    // Wide values, and the edge cases min/max must order as Swift does.
    let specials: [Double] = [0, -0.0, 1, -1, .nan, .infinity, -.infinity, 1e-310, -1e-310]
    func value(_ k: Int) -> Double { k % 11 < specials.count && k % 7 == 0 ? specials[k % 11] : (uniform() - 0.5) * 6 }
    let x = (0..<(rows * n)).map(value), wx = (0..<(rows * n)).map { value($0 + 3) }
    let xi = (0..<(rows * n)).map { _ in (uniform() - 0.5) * 4 }, c = (0..<n).map { _ in (uniform() - 0.5) * 2 }
    let keep = 0.9, g = 0.1, sigma = 0.37
    for (kernel, f) in [(VectorKernels.Activation.linear, Activation.linear), (.relu, .relu), (.hardtanh, .hardtanh)] {
      for inside in [true, false] {
        var expected = wx
        for r in 0..<rows {
          for i in 0..<n {
            let o = r * n, u = wx[o + i] + c[i]
            expected[o + i] = inside ? keep * x[o + i] + g * f(u + sigma * xi[o + i]) : keep * x[o + i] + g * (f(u) + sigma * xi[o + i])
          }
        }
        var next = wx
        let done = next.withUnsafeMutableBufferPointer { np in
          VectorKernels.chainStep(
            kernel, inside: inside, rows: rows, n: n, states: x, next: np.baseAddress!, drive: c, normals: xi, keep: keep, gamma: g,
            sigma: sigma)
        }
        XCTAssertTrue(done)
        XCTAssertEqual(next.map(\.bitPattern), expected.map(\.bitPattern), "\(f) inside \(inside)")
      }
    }
    var untouched = wx
    let done = untouched.withUnsafeMutableBufferPointer { np in
      VectorKernels.chainStep(.tanh, inside: true, rows: rows, n: n, states: x, next: np.baseAddress!, drive: c, normals: xi, keep: 1, gamma: 1, sigma: 1)
    }
    XCTAssertFalse(done, "tanh has no float64 kernel here (the chains keep glibc's tanh)")
    XCTAssertEqual(untouched.map(\.bitPattern), wx.map(\.bitPattern))
  }
}
