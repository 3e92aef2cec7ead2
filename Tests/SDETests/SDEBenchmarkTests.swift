import Benchmarks
import Foundation
import XCTest

@testable import SDE

final class SDEBenchmarkTests: XCTestCase {
  /// The benchmark network is a real chain: one step from x = 0 with noise
  /// ξ gives x' = γ tanh(b + σξ) exactly (W·0 = 0).
  func testBenchmarkNetworkOneStep() throws {
    let chain = try SDEBenchmark.noiseInTanhChain(
      weights: [Double](repeating: 0.3, count: 9), bias: [0.1, -0.2, 0.3], gamma: 0.1, sigma: 0.5, steps: 1)
    let x = [0.0, 0, 0], xi = [1.0, -1, 0.5]
    var next = [0.0, 0, 0]
    x.withUnsafeBufferPointer { xp in xi.withUnsafeBufferPointer { ip in next.withUnsafeMutableBufferPointer { chain.map(xp, ip, $0) } } }
    for i in 0..<3 { XCTAssertEqual(next[i], 0.1 * tanh([0.1, -0.2, 0.3][i] + 0.5 * xi[i]), accuracy: 1e-16) }
  }
}
