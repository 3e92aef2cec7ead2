import Foundation

/// Number formatting for tables and report lines. Text reports (terminal,
/// Markdown, LaTeX) print computed values short — six significant digits,
/// or the digits an error supports — and JSON keeps every digit; `full`
/// (17 significant digits round-trip a Double) is for the few cells whose
/// error bound supports them (`moments`).
public enum NumberFormat {
  public static func full(_ x: Double) -> String { "\(x)" }
  public static func short(_ x: Double) -> String { String(format: "%.3g", x) }
  /// The one short format of text reports: six significant digits.
  public static func significant(_ x: Double) -> String { String(format: "%.6g", x) }
  /// `x` to the digits its error `e` supports: the decimal of e's second
  /// significant digit (0.99130 for e = 0.00068), six significant digits
  /// when e is 0 or not finite, and at most 10 decimals (an error of 1e-14
  /// supports more, but no reader of a table compares them).
  public static func supported(_ x: Double, error e: Double) -> String {
    guard e > 0, e.isFinite, x.isFinite else { return significant(x) }
    let decimals = min(10, max(0, 1 - Int(log10(e).rounded(.down))))
    return String(format: "%.\(decimals)f", x)
  }
}
