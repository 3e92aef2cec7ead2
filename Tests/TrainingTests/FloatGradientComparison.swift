import XCTest

@testable import Training

/// The float32 BPTT pass against float64 on the same network and noise
/// (`xi` already rounded to float): the loss within 1e-5 relative and each
/// tensor's gradient within 1e-4 of that tensor's largest entry. Each
/// product and state carries ~ε₃₂ = 6e-8 per operation; over the tests'
/// 12 steps and 5-term sums that grows to ~1e-6 of the scale, a margin of
/// 100, while any wrong term (an O(1) error) fails. Returns the float32 loss.
@discardableResult
func assertFloatGradientMatchesDouble(
  _ p: Parameters, _ batch: TrialBatch, noise xi: [Double], dynamics d: Dynamics, label: String,
  file: StaticString = #filePath, line: UInt = #line
) -> Double {
  let (l64, g64) = BPTT.lossAndGradient(p, batch, noise: xi, dynamics: d)
  let (l32, g32) = BPTT.lossAndGradientFloat(p, batch, noise: xi.map { Float($0) }, dynamics: d)
  XCTAssertEqual(l32, l64, accuracy: 1e-5 * l64, label, file: file, line: line)
  var offset = 0
  let a = g64.flat, b = g32.flat
  for (name, values) in p.tensors {
    let range = offset..<(offset + values.count)
    let norm = range.map { abs(a[$0]) }.max() ?? 0
    let worst = range.map { abs(a[$0] - b[$0]) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, 1e-4 * max(norm, 1e-12), "\(label) \(name)", file: file, line: line)
    offset += values.count
  }
  return l32
}
