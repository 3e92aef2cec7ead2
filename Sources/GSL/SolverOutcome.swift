/// How an iterative solver ended: the one outcome vocabulary of every
/// solver in the package (like SciML's `ReturnCode`). Callers switch on it;
/// nobody parses messages.
///
/// Each case carries the last iterate (whatever the solver had when it
/// stopped, e.g. a `MultirootResult`) and the number of iterations taken.
/// A failure of the machinery itself — a closure threw, a size was wrong,
/// memory ran out — is not an outcome: it is thrown.
public enum SolverOutcome<Iterate: Sendable>: Sendable {
  /// The convergence test passed.
  case converged(Iterate, iterations: Int)
  /// The iteration limit was reached first.
  case maxIterations(Iterate, iterations: Int)
  /// The solver could not find a step that improves the iterate (GSL's
  /// "not making progress"): often a minimum at rounding level, or a kink.
  case stalled(Iterate, iterations: Int)
  /// The iterates ran away (non-finite, or growing without bound).
  case diverged(Iterate, iterations: Int)
  /// A trial point left the domain of the function (it returned a
  /// non-finite value there); the iterate is the last point inside.
  case leftDomain(Iterate, iterations: Int)
  /// A continuation converged, but not to the solution it was following.
  case lostBranch(Iterate, iterations: Int)

  /// The outcome without its payload, for comparisons and messages.
  public enum Code: String, Sendable, Equatable, CaseIterable {
    case converged, maxIterations, stalled, diverged, leftDomain, lostBranch

    /// Words for a message: "converged", "reached the iteration limit", …
    public var label: String {
      switch self {
      case .converged: return "converged"
      case .maxIterations: return "reached the iteration limit"
      case .stalled: return "stopped making progress"
      case .diverged: return "diverged"
      case .leftDomain: return "left the domain"
      case .lostBranch: return "lost the branch"
      }
    }
  }

  public var code: Code {
    switch self {
    case .converged: return .converged
    case .maxIterations: return .maxIterations
    case .stalled: return .stalled
    case .diverged: return .diverged
    case .leftDomain: return .leftDomain
    case .lostBranch: return .lostBranch
    }
  }

  /// The last iterate, whatever the outcome.
  public var iterate: Iterate {
    switch self {
    case .converged(let x, _), .maxIterations(let x, _), .stalled(let x, _), .diverged(let x, _),
      .leftDomain(let x, _), .lostBranch(let x, _):
      return x
    }
  }

  public var iterations: Int {
    switch self {
    case .converged(_, let k), .maxIterations(_, let k), .stalled(_, let k), .diverged(_, let k),
      .leftDomain(_, let k), .lostBranch(_, let k):
      return k
    }
  }

  public var isConverged: Bool { code == .converged }

  /// The iterate when converged, nil otherwise.
  public var converged: Iterate? { isConverged ? iterate : nil }
}
