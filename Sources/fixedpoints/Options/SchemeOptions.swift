import ArgumentParser
import CTRNN
import SDE

/// `analyze --schemes`: the discretisations simulated at every σ > 0 (the
/// exact chain, and Euler–Maruyama and Milstein on the diffusion
/// approximation); the first drives the table. `analyze` calls `check`
/// first in its `validate()`.
struct SchemeOptions: ParsableArguments {
  @Option(help: "Schemes to simulate at every sigma > 0, comma-separated; the first drives the table: chain (the exact model), em, milstein (its diffusion approximation).")
  var schemes = "chain"

  var parsed: [NetworkScheme] {
    get throws {
      try schemes.split(separator: ",", omittingEmptySubsequences: false).map { name in
        guard let s = NetworkScheme(rawValue: String(name)) else {
          throw ValidationError("--schemes: unknown scheme '\(name)'; use chain, em, milstein")
        }
        return s
      }
    }
  }

  /// f32 ensembles step the exact chain only.
  func check(precision: Precision) throws {
    if precision == .f32, try parsed.contains(where: { $0 != .chain }) {
      throw ValidationError("--precision f32 runs the chain scheme only; em and milstein are float64")
    }
  }
}
