import ArgumentParser
import Foundation
import Neuron
import Platform

/// The root command is configuration only: the list of subcommands.
struct Fixedpoints: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fixedpoints",
    abstract: "Stochastic fixed points and stationary distributions of noisy CTRNNs.",
    discussion: """
      Exit status: 0 on success, 1 when a check fails (verify), 2 on bad input.
      Units: dt and tau are in the model's units of time (g = dt/tau per step);
      sigma is the standard deviation of the Gaussian added at every step, to
      the pre-activation (noise in) or to f (noise out), not scaled by dt.
      Example: fixedpoints analyze    (the bundled model; see fixedpoints help analyze)
      """,
    version: "0.1.0",
    subcommands: [Moments.self, Verify.self, Bench.self, Stationary.self, Simulate.self, Analyze.self, Train.self, Paradox.self, Merge.self, CheckpointCommand.self, DebiasCommand.self, Mechanism.self, TableCommand.self, AnalyzeMLP.self, DAESparsity.self])
}

/// Entry point: maps every error to the project's exit codes in one place
/// (ArgumentParser alone would exit 64 on a usage error; we promise 2).
@main
enum Main {
  static func main() {
    do {
      var command = try Fixedpoints.parseAsRoot(NegativeNumbers.attach(Array(CommandLine.arguments.dropFirst())))
      try command.run()
    } catch let failed as ChecksFailed {
      FileHandle.standardError.write(Data("fixedpoints: \(failed)\n".utf8))
      exit(1)
    } catch {
      if Fixedpoints.exitCode(for: error) == .success {
        Fixedpoints.exit(withError: error)  // --help, --version
      }
      // One line: ArgumentParser's messages may span several (e.g. the list
      // of valid values); join them.
      // Library errors name parameters; the message names the flag.
      let error = (error as? NeuronError).map { ParameterFlags.validationError($0) as Error } ?? error
      var message = (error as? PlatformError).map(ParameterFlags.message) ?? Fixedpoints.message(for: error)
        .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }.joined(separator: " ")
      if let hint = ParameterFlags.hint(forParseError: message, arguments: Array(CommandLine.arguments.dropFirst())) {
        message += "; " + hint
      }
      // Messages quote file content (metadata, results): no control bytes.
      FileHandle.standardError.write(Data("fixedpoints: error: \(TerminalText.sanitize(message))\n".utf8))
      exit(2)
    }
  }
}

/// `verify` found a failing check: exit status 1, not 2.
struct ChecksFailed: Error, CustomStringConvertible {
  let failed: [String]
  var description: String { "\(failed.count) check(s) failed: \(failed.joined(separator: ", "))" }
}

/// ArgumentParser reads `--mu -0.3` as the option `--mu` followed by the
/// short flags `-0.3`. Users of a numerical tool type negative numbers all
/// the time, so an option followed by a negative number is rewritten to the
/// unambiguous `--mu=-0.3` before parsing.
enum NegativeNumbers {
  static func attach(_ arguments: [String]) -> [String] {
    var out: [String] = []
    var i = 0
    while i < arguments.count {
      let a = arguments[i]
      if a.hasPrefix("--"), !a.contains("="), i + 1 < arguments.count, isNegativeNumber(arguments[i + 1]) {
        out.append(a + "=" + arguments[i + 1])
        i += 2
      } else {
        out.append(a)
        i += 1
      }
    }
    return out
  }

  /// "-0.3", "-1e-5", "-inf", "-nan" (validation rejects the last two later,
  /// with a message naming the option).
  static func isNegativeNumber(_ s: String) -> Bool {
    guard s.hasPrefix("-"), s.count > 1 else { return false }
    let rest = s.dropFirst()
    // No flag starts with a digit: "-1/2" (--shard) is a value too, and
    // validation says what is wrong with it.
    if let c = rest.first, c.isASCII, c.isNumber { return true }
    if rest.lowercased() == "inf" || rest.lowercased() == "nan" || rest.lowercased() == "infinity" { return true }
    return Double(rest) != nil || rest.split(separator: ",").allSatisfy { Double($0) != nil }
  }
}
