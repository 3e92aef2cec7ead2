import Foundation
import GSL
import XCTest

@testable import SDE

final class FokkerPlanckTests: XCTestCase {
  /// OU dX = θ(μ − X)dt + s dW has the exact stationary law N(μ, s²/2θ).
  /// Quadrature is asked for 1e-10 relative accuracy; allow 1e-8 on the
  /// moments and the density at the nodes.
  func testOrnsteinUhlenbeckExact() throws {
    let theta = 2.0, mu = -0.3, s = 0.6
    let fp = FokkerPlanck1D(drift: { theta * (mu - $0) }, diffusion: { _ in s })
    let d = try fp.solve(center: 0, scale: 0.2)
    let variance = s * s / (2 * theta)
    XCTAssertEqual(d.mean, mu, accuracy: 1e-8)
    XCTAssertEqual(d.variance, variance, accuracy: 1e-8 * variance)
    for (x, p) in zip(d.edges, d.density) {
      let exact = Normal.pdf((x - mu) / variance.squareRoot()) / variance.squareRoot()
      XCTAssertEqual(p, exact, accuracy: 1e-8 * max(exact, 1e-12))
    }
    XCTAssertEqual(d.cdf.last ?? 0, 1, accuracy: 1e-12)
    XCTAssertLessThan(d.boundaryDensity.lower, 1e-15)
    XCTAssertLessThan(d.relativeQuadratureError, 1e-9)
    XCTAssertEqual(d.cdf(at: mu), 0.5, accuracy: 1e-4)  // linear interpolation within a cell
  }

  /// Multiplicative noise: CIR dX = θ(μ − X)dt + s√X dW has the stationary
  /// law Gamma(shape 2θμ/s², rate 2θ/s²); θ = μ = 1, s = 0.5 gives shape 8,
  /// rate 8: mean 1, variance 1/8. The g⁻² factor matters here (without it
  /// the shape would be 9). Domain given: g vanishes at 0.
  func testCoxIngersollRossGammaLaw() throws {
    let fp = FokkerPlanck1D(drift: { 1 - $0 }, diffusion: { 0.5 * $0.squareRoot() })
    let d = try fp.solve(domain: 1e-9...8, cells: 100)
    XCTAssertEqual(d.mean, 1, accuracy: 1e-8)
    XCTAssertEqual(d.variance, 0.125, accuracy: 1e-8)
  }

  func testNonConfiningDriftThrows() {
    let fp = FokkerPlanck1D(drift: { _ in 0.1 }, diffusion: { _ in 1 })
    XCTAssertThrowsError(try fp.solve(center: 0, scale: 1))
    XCTAssertThrowsError(try FokkerPlanck1D(drift: { -$0 }, diffusion: { _ in 0 }).solve(domain: -1...1))
  }
}

final class TransferOperatorTests: XCTestCase {
  /// AR(1) x' = a x + c + σξ: F(y|x) = Φ((y − ax − c)/σ), stationary law
  /// N(c/(1−a), σ²/(1−a²)). The reported discretisation error must cover the
  /// actual one (within 2× plus round-off), and be small at 400 cells.
  func testAR1Exact() throws {
    let a = 0.8, c = 0.3, sigma = 0.5
    let op = TransferOperator1D(gaussianThreshold: { y, x in (y - a * x - c) / sigma })
    let d = try op.solve(center: 0, scale: 1, cells: 400)
    let mean = c / (1 - a), variance = sigma * sigma / (1 - a * a)
    print("AR(1) transfer: mean \(d.mean) ± \(d.meanDiscretisationError) (exact \(mean)), var \(d.variance) ± \(d.varianceDiscretisationError) (exact \(variance)), order \(d.observedOrder), domain \(d.domain), leak \(d.leakRate)")
    XCTAssertEqual(d.mean, mean, accuracy: 2 * d.meanDiscretisationError + 1e-10)
    XCTAssertEqual(d.variance, variance, accuracy: 2 * d.varianceDiscretisationError + 1e-10)
    XCTAssertLessThan(abs(d.variance - variance) / variance, 1e-3)
    XCTAssertLessThan(d.leakRate, 1e-12)
    // The grid error is O(h²) here (observed order 2), so Richardson removes
    // it to well below the estimate.
    XCTAssertEqual(d.observedOrder, 2, accuracy: 0.1)
    XCTAssertLessThan(abs(d.extrapolatedVariance - variance), 0.1 * d.varianceDiscretisationError)
    XCTAssertEqual(d.cellProbabilities.reduce(0, +), 1, accuracy: 1e-12)
    XCTAssertLessThan(d.residual, 1e-9)
    // The same chain through a plain CDF closure.
    let viaCDF = try TransferOperator1D(conditionalCDF: { y, x in Normal.cdf((y - a * x - c) / sigma) })
      .solve(domain: d.domain, cells: 400)
    XCTAssertEqual(viaCDF.mean, d.mean, accuracy: 1e-9)
  }

  /// A domain far too small: the leak is reported, not hidden.
  func testLeakIsReported() throws {
    let op = TransferOperator1D(gaussianThreshold: { y, x in (y - 0.5 * x) / 1.0 })
    let d = try op.solve(domain: -0.5...0.5, cells: 64)
    XCTAssertGreaterThan(d.leakRate, 0.3)
  }

  /// A kernel 1e4 times narrower than a cell of the first grid (σ = 1e-6):
  /// no failure, a probability vector, and the mean within a final cell
  /// width of the exact c/(1−a).
  func testConcentratedKernel() throws {
    let a = 0.5, c = 0.25, sigma = 1e-6
    let op = TransferOperator1D(gaussianThreshold: { y, x in (y - a * x - c) / sigma })
    let d = try op.solve(center: 0, scale: 1, cells: 200)
    XCTAssertTrue(d.cellProbabilities.allSatisfy { $0 >= 0 })
    XCTAssertEqual(d.cellProbabilities.reduce(0, +), 1, accuracy: 1e-12)
    XCTAssertEqual(d.mean, c / (1 - a), accuracy: d.edges[1] - d.edges[0])
  }

  /// The chain x' = max(0, a x + c + σξ) has an atom at 0 of mass
  /// E Φ(−(ax + c)/σ). Its CDF has the jump built in; Ulam puts the atom in
  /// the cell holding 0. Against a long simulation: mean, variance and the
  /// atom's mass within 4 combined standard errors (simulation batch-means SE
  /// and the discretisation error estimate added in quadrature).
  func testAtomAgainstSimulation() throws {
    let a = 0.6, c = -0.2, sigma = 0.5
    let op = TransferOperator1D(gaussianThreshold: { y, x in y < 0 ? -.infinity : (y - a * x - c) / sigma })
    let d = try op.solve(domain: -0.01...3, cells: 602)
    let chain = try MarkovChainProblem.scalar(initialState: 0, steps: 5100) { x, xi in max(0, a * x + c + sigma * xi) }
    let spec = HistogramSpec(lower: -0.005, upper: 0.005, bins: 1)
    let e = try Ensemble.solve(
      chain,
      options: EnsembleOptions(trajectories: 200, seed: 12, stationary: StationaryOptions(burnIn: 100, histogram: spec)))
    let st = try XCTUnwrap(e.statistics)
    func z(_ x: Double, _ y: Double, _ se: Double, _ disc: Double) -> Double { abs(x - y) / (se * se + disc * disc).squareRoot() }
    XCTAssertLessThan(z(d.mean, st.mean[0], st.meanStandardError[0], d.meanDiscretisationError), 4)
    XCTAssertLessThan(z(d.variance, st.variance[0], st.varianceStandardError[0], d.varianceDiscretisationError), 4)
    let h = try XCTUnwrap(st.histogram)
    let atomSim = h.density[0] * 0.01, atomSE = h.densityStandardError[0] * 0.01
    let atomCell = d.cellProbabilities[Int((0 - d.edges[0]) / (d.edges[1] - d.edges[0]))]
    print("atom: transfer \(atomCell), simulation \(atomSim) ± \(atomSE)")
    XCTAssertEqual(atomCell, atomSim, accuracy: 4 * atomSE)
    XCTAssertGreaterThan(atomSim, 0.3)
  }
}
