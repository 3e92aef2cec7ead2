/// The quantities of a one-neuron model or run that an error can name. The
/// raw value is the library's name (`burnIn`'s is `burn_in`); the CLI maps
/// each to its flag in one table (`ParameterFlags`).
public enum NeuronParameter: String, Sendable, Equatable, CaseIterable {
  case w, b, sigma, dt, tau, trajectories, steps, burnIn = "burn_in", cells, threads
}

/// Bad parameters of a neuron or of a run, naming the parameter (not a
/// flag), or a chain without a stationary law.
public enum NeuronError: Error, CustomStringConvertible, Sendable {
  case invalidParameter(NeuronParameter, message: String)
  /// The product of two parameters exceeds a bound (a time bound: work).
  case productTooLarge(NeuronParameter, NeuronParameter, values: (Int, Int), limit: Int, unit: String)
  /// The chain has no stationary law (e.g. an unbounded activation with w ≥ 1).
  case noStationaryLaw(String)

  /// The (first) parameter the error names, nil for a chain without a law.
  public var parameter: NeuronParameter? {
    switch self {
    case .invalidParameter(let p, _), .productTooLarge(let p, _, _, _, _): return p
    case .noStationaryLaw: return nil
    }
  }

  public var description: String {
    switch self {
    case .invalidParameter(let p, let message): return "\(p.rawValue) \(message)"
    case .productTooLarge(let p, let q, let v, let limit, let unit):
      return "\(p.rawValue) × \(q.rawValue) (\(v.0) × \(v.1)) must be at most \(limit) \(unit)"
    case .noStationaryLaw(let message): return "no stationary law: \(message)"
    }
  }
}
