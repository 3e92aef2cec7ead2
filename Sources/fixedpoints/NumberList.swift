import ArgumentParser
import Foundation

/// A list of numbers on the command line: "0,0.1,0.5" or a range
/// "start:stop:step" (stop included when the steps land on it), or both
/// mixed ("0,0.25:1:0.25"). Values are rounded to 12 significant digits so
/// that 0.1·3 prints as 0.3.
struct NumberList: ExpressibleByArgument, Sendable, Equatable {
  var values: [Double]

  init(_ values: [Double]) { self.values = values }

  init?(argument: String) {
    var out: [Double] = []
    for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
      let fields = part.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
      switch fields.count {
      case 1:
        guard let v = fields[0] else { return nil }
        out.append(v)
      case 3:
        guard let a = fields[0], let b = fields[1], let h = fields[2], a.isFinite, b.isFinite, h.isFinite, h > 0, b >= a,
          (b - a) / h <= 10_000
        else { return nil }
        let count = Int(((b - a) / h * (1 + 1e-12)).rounded(.down))
        for k in 0...count { out.append(NumberList.tidy(a + Double(k) * h)) }
      default:
        return nil
      }
    }
    guard !out.isEmpty else { return nil }
    values = out
  }

  /// For messages: what `init?(argument:)` takes.
  static let acceptedForms =
    "a list 0,0.5,1, a range start:stop:step with stop >= start and step > 0 (0:1:0.1, at most 10000 steps), or both (0,0.25:1:0.25)"

  static func tidy(_ x: Double) -> Double {
    guard x != 0, x.isFinite else { return x }
    return Double(String(format: "%.12g", x)) ?? x
  }

  var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}
