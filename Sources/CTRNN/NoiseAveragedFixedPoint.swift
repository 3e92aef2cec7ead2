import Dispatch
import Foundation
import GSL
import GaussianMoments

/// One point of a noise-averaged branch: h(σ) = E_ξ f(W h + c + σξ).
public struct AveragedPoint: Sendable {
  public var sigma: Double
  public var h: [Double]
  public var readout: [Double]
  /// Spectral radius of (1−γ)I + γ diag(E f′) W, the averaged map's Jacobian.
  public var spectralRadius: Double
}

/// How the continuation of a mean-field branch in σ ended. Callers switch
/// on it; `endReason` is its text for a report.
public enum BranchOutcome: Sendable, Equatable {
  /// Every σ asked for was reached.
  case reachedEnd
  /// The root solver failed on the step from σ = `from` to `to`: `solver`
  /// says how, in the solvers' one vocabulary (nil when evaluating the
  /// equations themselves failed, e.g. a moment), `reason` in words.
  case lostBranch(from: Double, to: Double, solver: SolverOutcome<[Double]>.Code?, reason: String)
  /// The averaged map's spectral radius crossed 1 at σ = `sigma`: past a
  /// bifurcation the branch no longer describes the same attractor (or saddle).
  case stabilityChanged(sigma: Double, lost: Bool, spectralRadius: Double)

  /// The σ where the branch ends, nil when it reached the end.
  public var endedAt: Double? {
    switch self {
    case .reachedEnd: return nil
    case .lostBranch(_, let to, _, _): return to
    case .stabilityChanged(let sigma, _, _): return sigma
    }
  }

  /// Why the branch ends, in words; nil when it reached the end.
  public var endReason: String? {
    switch self {
    case .reachedEnd: return nil
    case .lostBranch(let from, let to, _, let reason):
      return "solver lost the branch between sigma = \(from) and \(to) (\(reason))"
    case .stabilityChanged(let sigma, let lost, let radius):
      return "the averaged map \(lost ? "loses" : "gains") stability at sigma = \(sigma) (spectral radius \(radius))"
    }
  }
}

/// The noise-averaged fixed point continued in σ from a deterministic one.
public struct AveragedBranch: Sendable {
  public var start: NetworkFixedPoint
  /// Points at the σ values asked for (ascending), as far as the branch reaches.
  public var points: [AveragedPoint]
  /// Whether the continuation reached σ_max, and if not, where and why it stopped.
  public var outcome: BranchOutcome
  /// Where continuation failed (a fold, or the solver lost the branch), nil
  /// when the branch reached σ_max.
  public var endedAt: Double? { outcome.endedAt }

  public func point(at sigma: Double) -> AveragedPoint? { points.first { $0.sigma == sigma } }
}

extension Network {
  /// The moments of f(uᵢ + sᵢξ) asked for in `what`, for every neuron, by
  /// the batched path (one Gauss–Hermite rule where it is proven accurate,
  /// the scalar evaluator elsewhere; `MomentEvaluator.batchedMoments`).
  func neuronMoments(
    _ u: [Double], preactivationSD s: [Double], evaluator: MomentEvaluator, _ what: MomentSelection
  ) throws -> BatchedMomentValues {
    try evaluator.batchedMoments(activation, mu: u, sigma: s, what)
  }

  /// Solves h = E f(W h + c + sᵢ ξᵢ) (per-neuron noise sd sᵢ inside f) from
  /// `start` by hybridsj with the Jacobian diag(E f′) W − I. With sᵢ = σ
  /// this is the noise-in mean-field fixed point; the Gaussian closure calls
  /// it with sᵢ² = σ² + (W C Wᵀ)ᵢᵢ.
  public func solveAveraged(preactivationSD s: [Double], start: [Double], evaluator: MomentEvaluator) throws -> [Double] {
    let outcome = try findAveraged(preactivationSD: s, start: start, evaluator: evaluator)
    guard let x = outcome.converged else { throw AveragedSolveFailure(outcome: outcome) }
    return x
  }

  /// As `solveAveraged`, reporting how the solver ended instead of throwing
  /// (it throws only when evaluating the equations fails). A root is
  /// accepted at max residual 1e-9; a solver that stops above it has
  /// `.stalled` (GSL's "not making progress", common at a relu kink).
  public func findAveraged(
    preactivationSD s: [Double], start: [Double], evaluator: MomentEvaluator
  ) throws -> SolverOutcome<[Double]> {
    let solver = try MultirootSolver(dimension: size, maxIterations: 200, residualTolerance: 1e-12)
    // The slopes come almost free with the means (tanh's both from the same
    // exponentials), and the solvers ask for the Jacobian at the point whose
    // residual they just took: keep that point's slopes.
    var last: (h: [Double], slopes: [Double])?
    let residual = { (h: [Double]) throws -> [Double] in
      let moments = try self.neuronMoments(self.preactivation(h), preactivationSD: s, evaluator: evaluator, .meanAndSlope)
      last = (h, moments.meanSlope)
      return zip(moments.mean, h).map { $0 - $1 }
    }
    let jacobian = { (h: [Double]) throws -> Matrix in
      if let last, last.h == h { return self.averagedJacobian(h, slopes: last.slopes) }
      return self.averagedJacobian(
        h, slopes: try self.neuronMoments(self.preactivation(h), preactivationSD: s, evaluator: evaluator, .meanSlope).meanSlope)
    }
    // Continuation and the closure start next to the root: plain Newton on
    // LAPACK's LU gets there in a few steps, where hybridsj's unblocked QR
    // alone costs seconds at N ≈ 500. hybridsj takes over whenever Newton
    // does not pass the same residual test (kinks at σ = 0, bad starts).
    if let r = try solver.newton(start: start, residual: residual, jacobian: jacobian) {
      return .converged(r.x, iterations: r.iterations)
    }
    let outcome = try solver.find(start: start, residual: residual, jacobian: jacobian, context: "noise-averaged fixed point")
    let r = outcome.iterate
    switch outcome {
    case .converged where r.residualNorm > 1e-9: return .stalled(r.x, iterations: r.iterations)
    case .converged: return .converged(r.x, iterations: r.iterations)
    case .maxIterations: return .maxIterations(r.x, iterations: r.iterations)
    case .stalled: return .stalled(r.x, iterations: r.iterations)
    case .diverged: return .diverged(r.x, iterations: r.iterations)
    case .leftDomain: return .leftDomain(r.x, iterations: r.iterations)
    case .lostBranch: return .lostBranch(r.x, iterations: r.iterations)
    }
  }

  /// The mean-field (noise-averaged) fixed point followed from σ = 0 (the
  /// deterministic point `start`) through every σ in `sigmas`, in steps of
  /// at most `maxStep` so each solve starts close to its root. Noise outside
  /// f does not move the mean-field point (E(f(u) + σξ) = f(u)), so for
  /// noise-out the branch is the deterministic point at every σ.
  ///
  /// Each point's spectral radius (a dense eigenvalue problem, O(N³) and
  /// at N = 512 as costly as the whole continuation) depends only on that
  /// point. With `threads` > 1 the continuation runs to the end (or to where
  /// it fails) while a second thread computes the radii of the points
  /// reached so far, and those left are then computed on every thread;
  /// points past a change of stability are dropped as before, so the branch
  /// is the same as on one thread — only the continuation past such a
  /// change is extra work, which a stable branch (the common case) never does.
  public func averagedBranch(from start: NetworkFixedPoint, sigmas: [Double], maxStep: Double = 0.05, threads: Int = 1) throws -> AveragedBranch {
    let evaluator = try MomentEvaluator()
    let targets = Array(Set(sigmas.filter { $0 >= 0 })).sorted()
    var branch = AveragedBranch(start: start, points: [], outcome: .reachedEnd)
    // The points reached, each with the averaged map at it; how the
    // continuation ended when it stopped early (an outcome, or an error
    // thrown evaluating the slopes at a target — thrown only if the branch
    // gets that far, as the one-thread order would).
    var reached: [(sigma: Double, h: [Double], map: Matrix)] = []
    var stop: BranchOutcome?, thrown: Error?
    var h = start.h, sigma = 0.0
    let pipeline = threads > 1 ? SpectralRadiusPipeline() : nil
    defer { pipeline?.close() }
    continuation: for target in targets {
      while sigma < target {
        let next = min(target, sigma + maxStep)
        if noise == .inside {
          let outcome: SolverOutcome<[Double]>
          do {
            outcome = try findAveraged(preactivationSD: [Double](repeating: next, count: size), start: h, evaluator: evaluator)
          } catch {
            stop = .lostBranch(from: sigma, to: next, solver: nil, reason: "\(error)")
            break continuation
          }
          guard let root = outcome.converged else {
            stop = .lostBranch(from: sigma, to: next, solver: outcome.code, reason: AveragedSolveFailure(outcome: outcome).description)
            break continuation
          }
          h = root
        }
        sigma = next
      }
      let s = noise == .inside ? target : 0
      do {
        let slopes = try neuronMoments(preactivation(h), preactivationSD: [Double](repeating: s, count: size), evaluator: evaluator, .meanSlope).meanSlope
        reached.append((target, h, linearisedMap(slopes: slopes)))
        pipeline?.add(reached[reached.count - 1].map)
      } catch {
        thrown = error
        break continuation
      }
      // One thread: the radius now, so the continuation stops at a change of stability.
      if threads <= 1 {
        // The previous point's radius when the map is the same (noise out).
        let map = reached[reached.count - 1].map
        var radius: Double
        if reached.count > 1, let previous = branch.points.last, SpectralRadiusPipeline.identical(reached[reached.count - 2].map, map) {
          radius = previous.spectralRadius
        } else {
          radius = try NonsymmetricEigen.eigenvalues(map).first?.magnitude ?? 0
        }
        branch.points.append(AveragedPoint(sigma: target, h: h, readout: readout(h), spectralRadius: radius))
        if (radius < 1) != start.stable {
          branch.outcome = .stabilityChanged(sigma: target, lost: start.stable, spectralRadius: radius)
          return branch
        }
      }
    }
    if let pipeline {
      let radii = pipeline.results(threads: threads)
      for (k, point) in reached.enumerated() {
        // Thrown in branch order: a failure past a change of stability is never reached.
        let radius = try radii[k].get()
        branch.points.append(AveragedPoint(sigma: point.sigma, h: point.h, readout: readout(point.h), spectralRadius: radius))
        // A change of stability is a bifurcation of the averaged map: past it
        // the branch no longer describes the same attractor (or saddle).
        if (radius < 1) != start.stable {
          branch.outcome = .stabilityChanged(sigma: point.sigma, lost: start.stable, spectralRadius: radius)
          return branch
        }
      }
    }
    if let thrown { throw thrown }
    if let stop { branch.outcome = stop }
    return branch
  }
}

/// A noise-averaged solve that ended without a root: the outcome says how.
public struct AveragedSolveFailure: Error, CustomStringConvertible, Sendable {
  public let outcome: SolverOutcome<[Double]>
  public var description: String {
    "noise-averaged fixed point: the solver \(outcome.code.label) after \(outcome.iterations) iterations"
  }
}
