/// Bad parameters of a neuron or of a run. `option` is the CLI spelling of the
/// offending quantity (e.g. "--sigma"), so the CLI can print the message as is.
public enum NeuronError: Error, CustomStringConvertible, Sendable, Equatable {
  case invalidParameter(option: String, message: String)
  /// The chain has no stationary law (e.g. an unbounded activation with w ≥ 1).
  case noStationaryLaw(String)

  public var option: String? {
    if case .invalidParameter(let option, _) = self { return option }
    return nil
  }

  public var description: String {
    switch self {
    case .invalidParameter(let option, let message): return "\(option) \(message)"
    case .noStationaryLaw(let message): return "no stationary law: \(message)"
    }
  }
}
