import ArgumentParser
import CTRNN
import Neuron
import Platform

/// The one table from the libraries' parameter names to this tool's flags:
/// the libraries' errors name what was wrong (`sigma`), the CLI says which
/// flag to change (`--sigma-test`).
enum ParameterFlags {
  static let network: [NetworkParameter: String] = [
    .sigma: "--sigma-test", .schemes: "--schemes", .trajectories: "--trajectories", .steps: "--steps",
    .burnIn: "--burn-in", .threads: "--threads", .input: "--input", .dropoutRate: "--rate-test",
  ]

  /// A network error as a usage error naming the flag (a parameter without a
  /// flag, such as the recording stride `thin`, keeps its own name).
  static func validationError(_ e: NetworkError) -> ValidationError {
    switch e {
    case .badInput(let m): return ValidationError("\(network[.input]!): \(m)")
    case .invalidParameter(let p, let message): return ValidationError("\(network[p] ?? p.rawValue) \(message)")
    case .notContracting, .atInput: return ValidationError(e.description)
    case .diverged(_, let sigma, _, _, _, _): return ValidationError("\(network[.sigma]!) \(sigma): \(e.description)")
    }
  }

  /// The one-neuron commands (`stationary`, `simulate`) spell each
  /// parameter as its flag.
  static let neuron: [NeuronParameter: String] = [
    .w: "--w", .b: "--b", .sigma: "--sigma", .dt: "--dt", .tau: "--tau", .trajectories: "--trajectories",
    .steps: "--steps", .burnIn: "--burn-in", .cells: "--cells", .threads: "--threads",
  ]

  static func validationError(_ e: NeuronError) -> ValidationError {
    switch e {
    case .invalidParameter(let p, let message): return ValidationError("\(neuron[p] ?? p.rawValue) \(message)")
    case .productTooLarge(let p, let q, let v, let limit, let unit):
      return ValidationError("\(neuron[p] ?? p.rawValue) × \(neuron[q] ?? q.rawValue) (\(v.0) × \(v.1)) must be at most \(limit) \(unit)")
    case .noStationaryLaw: return ValidationError(e.description)
    }
  }

  /// A platform error (memory limit, size overflow, non-finite result) with
  /// the limit's parameter name replaced by its flag.
  static func message(_ e: PlatformError) -> String {
    e.description.replacingOccurrences(of: "max_memory", with: "--max-memory")
  }

  /// Options people type for a flag of another name, per subcommand: the
  /// parser's "unknown option" error gets the right spelling as a hint.
  static let hints: [String: [String: String]] = [
    "analyze": [
      "--sigma": "--sigma-test (the test noise levels; sigma_train is read from the checkpoint)",
      "--sigma-train": "--sigma-test (analyze reads sigma_train from the checkpoint)",
    ]
  ]

  /// The forms a number-list option accepts (`NumberList`), for the parser's
  /// "invalid value" error, which names the value but not what would do.
  static let valueForms: [String: String] = [
    "--sigma-test": NumberList.acceptedForms, "--sigma-train": NumberList.acceptedForms,
    "--input": "numbers separated by commas, one per network input (0.5, or 0,0.2)",
  ]

  /// The hint for an unknown-option message of ArgumentParser ("Unknown
  /// option '--sigma'"), nil when there is none. ArgumentParser's parse
  /// errors are not public types, so its message is all there is to read.
  static func hint(forParseError message: String, arguments: [String]) -> String? {
    for (flag, forms) in valueForms.sorted(by: { $0.key < $1.key }) where message.contains("is invalid for '\(flag) ") {
      return "accepted: \(forms)"
    }
    guard let command = arguments.first(where: { !$0.hasPrefix("-") }), let table = hints[command] else { return nil }
    for (flag, hint) in table.sorted(by: { $0.key < $1.key }) where message.contains("Unknown option '\(flag)'") {
      return "did you mean \(hint)?"
    }
    return nil
  }
}
