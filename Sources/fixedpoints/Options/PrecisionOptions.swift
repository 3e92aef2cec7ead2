import ArgumentParser
import SDE

extension Precision: ExpressibleByArgument {}

/// --precision f32|f64: the floating-point type the exact chain steps in.
struct PrecisionOptions: ParsableArguments {
  @Option(help: "f64 (default) or f32: the precision the exact chain's ensembles step in (statistics are float64 either way; em and milstein run in f64 only).")
  var precision: Precision = .f64
}
