import Foundation

/// Number formatting for tables: 17 significant digits round-trip a Double,
/// so a table never hides a digit that the JSON shows.
public enum NumberFormat {
  public static func full(_ x: Double) -> String { "\(x)" }
  public static func short(_ x: Double) -> String { String(format: "%.3g", x) }
}
