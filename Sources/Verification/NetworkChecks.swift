import CTRNN
import Foundation
import GSL
import GaussianMoments
import Neuron
import SDE

/// Checks of the CTRNN layer: the Gaussian closure where it is exact (linear
/// f, noise outside), the noise-averaged shift against the exact chain's law,
/// fixed-point residuals recomputed independently, and checkpoint round trips.
enum NetworkChecks {
  static var all: [Check] {
    [
      Check(
        name: "linear-ctrnn-stationary", unit: .standardErrors, tolerance: 3,
        reason: "linear f, noise-out, 3 neurons (non-normal W, ρ=0.93 for the map), σ=0.4: the exact stationary mean (I−W)⁻¹c and Stein-equation covariance vs 128 chain trajectories × 6000 steps (batch-means SE); worst |z| of 3 means and 6 covariances. The seed is fixed; a fresh seed would exceed 3 by chance with probability ≈ 2%"
      ) {
        try linearStationary()
      },
      Check(
        name: "relu-noise-in-shift", unit: .relative, tolerance: 0.03,
        reason: "one relu neuron x'=0.9x+0.1 relu(0.3x−0.1+0.6ξ): the noise-induced shift of the Gaussian closure (mean-field point plus the state's own fluctuations) vs the exact chain's (transfer operator, Richardson-extrapolated, error ~1e-9). The closure neglects the state's non-Gaussian cumulants; 3% of the shift is the accuracy the analyze report claims for the closure at γ ≤ 0.1 (measured here: 0.07%)"
      ) {
        try reluShift()
      },
      Check(
        name: "softplus-noise-in-closure", unit: .standardErrors, tolerance: 4,
        reason: "3-neuron softplus noise-in network, σ=0.8: Gaussian-closure readout mean vs 128 chain trajectories × 6000 steps; |z| = |Δ|/SE. measured |z| = 0.15; 4 SE for one comparison fails by chance with p ≈ 6e-5 if the closure were exact, so a failure means a closure error of several SE (~1e-3)"
      ) {
        try softplusClosure()
      },
      Check(
        name: "fixed-point-residuals", unit: .absolute, tolerance: 1e-10,
        reason: "random 8-neuron tanh network (W ~ N(0, 2²/8), several fixed points): max |tanh(Wh+c) − h| recomputed here for every point the finder returns; hybridsj stops at residual 1e-11, rounding is ~1e-16"
      ) {
        try fixedPointResiduals()
      },
      Check(
        name: "checkpoint-roundtrip", unit: .absolute, tolerance: 0,
        reason: "write → read of F64 random weights and of F32-representable weights stored as F32, through a file: every value and metadata field must come back bit-identical"
      ) {
        try checkpointRoundTrip()
      },
    ]
  }

  static func checkpoint(
    _ f: Activation, _ noise: NoisePlacement, w: [Double], b: [Double], readout: [Double]
  ) throws -> Checkpoint {
    let n = b.count
    return try Checkpoint(
      activation: f, noise: noise, sigmaTrain: 0, dt: 0.1, tau: 1, recurrent: Matrix(rows: n, columns: n, elements: w),
      inputWeights: Matrix(rows: n, columns: 1), bias: b, readoutWeights: Matrix(rows: 1, columns: n, elements: readout), readoutBias: [0])
  }

  static let w3: [Double] = [0.2, -0.4, 0.1, 0.3, 0.1, -0.2, -0.1, 0.5, 0.0]
  static let b3: [Double] = [0.3, -0.2, 0.5]

  static func simulation(trajectories: Int = 128, steps: Int = 6000) -> NetworkSimulationOptions {
    var o = NetworkSimulationOptions()
    o.trajectories = trajectories
    o.steps = steps
    o.burnIn = 300
    o.thin = 2
    o.seed = 11
    return o
  }

  static func linearStationary() throws -> Double {
    let net = try Network(checkpoint: checkpoint(.linear, .outside, w: w3, b: b3, readout: [1, 1, 1]), input: [0])
    let sigma = 0.4
    // Exact pieces, built here rather than by the closure: m solves (I − W) m = c
    // (by hybridsj on the linear system), C the Stein equation with
    // A = (1−γ)I + γW, Q = γ²σ²I.
    let fp = try net.deterministicFixedPoints()[0].h
    let g = net.gamma
    var a = Matrix.identity(3), q = Matrix(rows: 3, columns: 3)
    for i in 0..<3 {
      for j in 0..<3 { a[i, j] = (i == j ? 1 - g : 0) + g * w3[i * 3 + j] }
      q[i, i] = g * g * sigma * sigma
    }
    let c = try SteinEquation.solve(a: a, q: q)
    let sim = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: fp, options: simulation(), table: nil)
    let cov = try sim.stateCovariance()
    var worst = 0.0
    for i in 0..<3 {
      worst = max(worst, abs(sim.mean[i] - fp[i]) / sim.meanStandardError[i])
      for j in i..<3 { worst = max(worst, abs(cov.value[i, j] - c[i, j]) / cov.standardError[i, j]) }
    }
    return worst
  }

  static func reluShift() throws -> Double {
    let (w, b, s) = (0.3, -0.1, 0.6)
    let neuron = try SingleNeuron(activation: .relu, w: w, b: b, sigma: s, noise: .inside, dt: 0.1, tau: 1)
    let exact = try neuron.transferOperator(cells: 800)
    let net = try Network(checkpoint: checkpoint(.relu, .inside, w: [w], b: [b], readout: [1]), input: [0])
    let fp = try net.deterministicFixedPoints()[0]
    let start = try net.averagedBranch(from: fp, sigmas: [s]).points[0].h
    let closure = try net.gaussianClosure(sigma: s, start: start).mean[0]
    let shift = exact.extrapolatedMean - fp.h[0]
    return abs((closure - fp.h[0]) - shift) / abs(shift)
  }

  static func softplusClosure() throws -> Double {
    let net = try Network(
      checkpoint: checkpoint(.softplus, .inside, w: w3.map { 0.8 * $0 }, b: b3, readout: [1, -0.5, 0.8]), input: [0])
    let sigma = 0.8
    let fp = try net.deterministicFixedPoints()[0]
    let start = try net.averagedBranch(from: fp, sigmas: [sigma]).points[0].h
    let closure = try net.gaussianClosure(sigma: sigma, start: start)
    let sim = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: closure.mean, options: simulation(), table: nil)
    return abs(sim.readoutMean[0] - closure.readoutMean[0]) / sim.readoutStandardError[0]
  }

  static func fixedPointResiduals() throws -> Double {
    let n = 8
    let rng = try GSLRandom(seed: 5)
    let w = (0..<(n * n)).map { _ in 2 * rng.gaussian() / Double(n).squareRoot() }
    let b = (0..<n).map { _ in 0.1 * rng.gaussian() }
    let net = try Network(checkpoint: checkpoint(.tanh, .outside, w: w, b: b, readout: [Double](repeating: 1, count: n)), input: [0])
    var search = FixedPointSearch()
    search.randomStarts = 64
    let points = try net.deterministicFixedPoints(search: search)
    guard !points.isEmpty else { throw SDEError.numerical("no fixed point found") }
    var worst = 0.0
    for p in points {
      for i in 0..<n {
        var u = b[i]
        for j in 0..<n { u += w[i * n + j] * p.h[j] }
        worst = max(worst, abs(tanh(u) - p.h[i]))
      }
    }
    return worst
  }

  static func checkpointRoundTrip() throws -> Double {
    let rng = try GSLRandom(seed: 9)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixedpoints-verify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var worst = 0.0
    for dtype in [Checkpoint.DType.f64, .f32] {
      // F32: values rounded to Float first, so the file can hold them exactly.
      func value() -> Double { dtype == .f32 ? Double(Float(rng.gaussian())) : rng.gaussian() }
      let (n, i, o) = (5, 2, 3)
      func matrix(_ r: Int, _ c: Int) -> Matrix { Matrix(rows: r, columns: c, elements: (0..<(r * c)).map { _ in value() }) }
      let k = try Checkpoint(
        activation: .softplus, noise: .inside, sigmaTrain: 0.25, dt: 0.05, tau: 0.5, recurrent: matrix(n, n), inputWeights: matrix(n, i),
        bias: (0..<n).map { _ in value() }, readoutWeights: matrix(o, n), readoutBias: (0..<o).map { _ in value() },
        task: "function", seed: "7", loss: 0.001234, extraMetadata: ["note": "round trip"], dtype: dtype)
      let url = dir.appendingPathComponent("k-\(dtype.rawValue).ckpt")
      try k.write(to: url)
      let back = try Checkpoint(contentsOf: url)
      guard back == k else { return .infinity }
      for (x, y) in zip(k.recurrent.elements + k.inputWeights.elements + k.bias, back.recurrent.elements + back.inputWeights.elements + back.bias) {
        worst = max(worst, abs(x - y))
      }
    }
    return worst
  }
}
