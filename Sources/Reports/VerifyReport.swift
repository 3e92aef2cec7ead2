import Foundation
import Verification

/// The `verify` report: one row per check, and whether all passed.
public struct VerifyReport: Encodable, Sendable {
  public struct Row: Encodable, Sendable {
    public var name: String
    public var passed: Bool
    public var worstError: Double
    public var tolerance: Double
    public var unit: String
    public var error: String?
  }
  public var checks: [Row]
  public var passed: Bool

  public init(_ outcomes: [CheckOutcome]) {
    checks = outcomes.map {
      Row(name: $0.name, passed: $0.passed, worstError: $0.worstError, tolerance: $0.tolerance, unit: $0.unit.rawValue, error: $0.failure)
    }
    passed = outcomes.allSatisfy(\.passed)
  }

  public var failed: [String] { checks.filter { !$0.passed }.map(\.name) }

  /// The results table; on a terminal followed by the pass/fail count.
  public func render(_ format: TableFormat) -> String {
    var table = Table(
      columns: ["check", "worst error", "tolerance", "unit", "result"],
      alignments: [.left, .right, .right, .left, .left])
    for c in checks {
      table.append([
        c.name, c.error == nil ? NumberFormat.short(c.worstError) : "error",
        NumberFormat.short(c.tolerance), c.unit, c.passed ? "pass" : "FAIL" + (c.error.map { ": \($0)" } ?? ""),
      ])
    }
    let passedCount = checks.filter(\.passed).count
    return table.render(format) + (format == .terminal ? "\(passedCount) passed, \(checks.count - passedCount) failed\n" : "")
  }

  /// The catalogue without running it: each check's tolerance and why.
  public static func listing(_ checks: [Check], format: TableFormat) -> String {
    var table = Table(columns: ["check", "tolerance", "unit", "why that tolerance"], alignments: [.left, .right, .left, .left])
    for c in checks { table.append([c.name, NumberFormat.short(c.tolerance), c.unit.rawValue, c.reason]) }
    return table.render(format)
  }
}
