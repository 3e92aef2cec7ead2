import Foundation

/// What a task asks of the readout at steady state, for the tasks whose
/// target is a function of a constant input, so the analysis can report the
/// output error without importing the trainer.
///
/// - `function`: scalar input u ∈ [−1, 1]; target sin(πu).
/// - `regulator`: the input is the level to hold; target = u.
/// - `flipflop` has no such target (its readout remembers past pulses); the
///   analysis takes zero input by default.
public struct TaskTarget: Sendable, Equatable {
  public let name: String
  /// The input the analysis uses when none is given.
  public let defaultInput: [Double]
  /// "sin(pi*u)", for reports.
  public let formula: String
  let target: @Sendable ([Double]) -> [Double]

  public static func == (a: TaskTarget, b: TaskTarget) -> Bool { a.name == b.name }

  /// The readout the task wants for constant input u.
  public func callAsFunction(_ u: [Double]) -> [Double] { target(u) }

  /// The known task called `name`, or nil.
  public static func named(_ name: String?, inputs: Int, outputs: Int) -> TaskTarget? {
    guard inputs == 1, outputs == 1 else { return nil }
    switch name {
    case "function":
      return TaskTarget(name: "function", defaultInput: [0.5], formula: "sin(pi*u)") { [sin(Double.pi * $0[0])] }
    case "regulator":
      return TaskTarget(name: "regulator", defaultInput: [0.5], formula: "u") { [$0[0]] }
    default:
      return nil
    }
  }

  /// The input the analysis uses for a task with no constant-input target
  /// (nil for others): the flip-flop's memories live at zero input, between
  /// pulses.
  public static func defaultInputWithoutTarget(_ name: String?, inputs: Int) -> [Double]? {
    name == "flipflop" ? [Double](repeating: 0, count: inputs) : nil
  }
}
