/// One entry of the `verify` catalogue: a named comparison of something we
/// compute against an independent reference, with the tolerance it must meet.
///
/// Adding a check is a few lines in the layer's `…Checks.swift` file:
///
///     Check(name: "relu-mean-closed-form", unit: .relative, tolerance: 1e-13,
///           reason: "closed form vs adaptive quadrature; both ~1e-15") {
///       worst error over the grid
///     }
public struct Check: Sendable {
  /// What `worstError` and `tolerance` are measured in.
  public enum Unit: String, Sendable {
    case relative  // |a − b| / |b|
    case absolute  // |a − b|
    case standardErrors = "standard_errors"  // |a − b| / SE: a z-score
    case order  // |fitted convergence order − theoretical order|
  }

  public let name: String
  public let unit: Unit
  public let tolerance: Double
  /// Why the tolerance is right: an error bound, a standard error, an order.
  public let reason: String
  /// Runs the comparison and returns the worst error, in `unit`.
  public let run: @Sendable () throws -> Double

  public init(
    name: String, unit: Unit, tolerance: Double, reason: String,
    run: @escaping @Sendable () throws -> Double
  ) {
    self.name = name
    self.unit = unit
    self.tolerance = tolerance
    self.reason = reason
    self.run = run
  }
}

/// The result of running one `Check`.
public struct CheckOutcome: Sendable {
  public let name: String
  public let unit: Check.Unit
  public let tolerance: Double
  public let worstError: Double
  /// The error message when the check could not run (counts as a failure).
  public let failure: String?
  public var passed: Bool { failure == nil && worstError.isFinite && worstError <= tolerance }
}

extension Check {
  public func callAsFunction() -> CheckOutcome {
    do {
      let worst = try run()
      return CheckOutcome(name: name, unit: unit, tolerance: tolerance, worstError: worst, failure: nil)
    } catch {
      return CheckOutcome(name: name, unit: unit, tolerance: tolerance, worstError: .nan, failure: "\(error)")
    }
  }
}
