import ArgumentParser

/// One `--input` of `analyze`: comma-separated components, one per input of
/// the network, each a number or a range START:STOP:STEP. The input
/// conditions are every combination of the components' values (the
/// Cartesian product, the first component varying slowest), as
/// FixedPointFinder takes a set of input conditions:
///
///     --input 0.5            one condition, u = 0.5
///     --input 0:1:0.25       five one-input conditions, u = 0, 0.25, …, 1
///     --input 1,-1:1:1       three two-input conditions, (1, -1), (1, 0), (1, 1)
struct InputGrid: ExpressibleByArgument, Sendable, Equatable {
  /// More conditions than this from one --input is a typo, not a study:
  /// each condition is a whole analysis.
  static let maximumConditions = 1_000

  var conditions: [[Double]]

  init?(argument: String) {
    var components: [[Double]] = []
    for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
      // A component is a NumberList of one scalar or one range.
      guard !part.isEmpty, let values = NumberList(argument: String(part))?.values, values.allSatisfy(\.isFinite) else {
        return nil
      }
      components.append(values)
    }
    let count = components.reduce(1) { $0 * $1.count }
    guard !components.isEmpty, count <= Self.maximumConditions else { return nil }
    var product: [[Double]] = [[]]
    for values in components { product = product.flatMap { prefix in values.map { prefix + [$0] } } }
    conditions = product
  }

  var defaultValueDescription: String { conditions.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: " ") }
}
