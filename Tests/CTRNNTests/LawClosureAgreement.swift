import XCTest

@testable import CTRNN

/// The law closure's readout against the exact chain at noise `sigma`: the
/// bias the noise causes must be resolved (> 4 SE, so the comparison can
/// fail), and the closure within 4 SE + 10 % of that bias — the allowance of
/// every law closure for its approximations (a Gaussian state, uncorrelated
/// residuals). 128 trajectories × 3000 steps (500 discarded) on 2 threads.
func assertLawClosureAgreesWithChain(
  _ net: Network, sigma: Double, label: String = "", file: StaticString = #filePath, line: UInt = #line
) throws {
  var o = NetworkSimulationOptions()
  o.trajectories = 128
  o.steps = 3_000
  o.burnIn = 500
  o.threads = 2
  let noiseless = try net.lawMeanField(sigma: 0, start: [Double](repeating: 0, count: net.size))
  let start = try net.lawMeanField(sigma: sigma, start: noiseless)
  let closure = try net.lawClosure(sigma: sigma, start: start)
  let sim = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: start, options: o, table: nil)
  let bias = sim.readoutMean[0] - net.readout(noiseless)[0]
  XCTAssertGreaterThan(
    abs(bias), 4 * sim.readoutStandardError[0], "\(label) the noise moves the readout", file: file, line: line)
  XCTAssertLessThan(
    abs(sim.readoutMean[0] - closure.readoutMean[0]), 4 * sim.readoutStandardError[0] + 0.1 * abs(bias),
    "\(label) simulated \(sim.readoutMean[0]) ± \(sim.readoutStandardError[0]), closure \(closure.readoutMean[0]), bias \(bias)",
    file: file, line: line)
}
