/// The quantities of a one-neuron model or run that an error can name. The
/// raw value is the library's name (`burnIn`'s is `burn_in`); the CLI maps
/// each to its flag in one table (`ParameterFlags`).
public enum NeuronParameter: String, Sendable, Equatable, CaseIterable {
  case w, b, sigma, dt, tau, trajectories, steps, burnIn = "burn_in", cells, threads
}

/// Bad parameters of a neuron or of a run, naming the parameter (not a
/// flag), or a chain without a stationary law.
public enum NeuronError: Error, CustomStringConvertible, Sendable, Equatable {
  case invalidParameter(NeuronParameter, message: String)
  /// The chain has no stationary law (e.g. an unbounded activation with w ≥ 1).
  case noStationaryLaw(String)

  public var parameter: NeuronParameter? {
    if case .invalidParameter(let p, _) = self { return p }
    return nil
  }

  public var description: String {
    switch self {
    case .invalidParameter(let p, let message): return "\(p.rawValue) \(message)"
    case .noStationaryLaw(let message): return "no stationary law: \(message)"
    }
  }
}
