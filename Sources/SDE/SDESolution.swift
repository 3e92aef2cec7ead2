/// How a solve ended.
public enum ReturnCode: Equatable, Sendable {
  case success
  /// A state component became NaN or ±∞ at this step; the solution stops
  /// there (the non-finite state is the last one saved).
  case nonFiniteState(step: Int)
  /// `maxSteps` steps were taken before the end of the time span.
  case maxSteps
}

/// What `solve` keeps along the way.
public enum SaveMode: Equatable, Sendable {
  /// Every k-th state, plus the initial and the final one.
  case path(every: Int)
  /// Only the final state (and the initial one).
  case finalState

  public static let everyStep = SaveMode.path(every: 1)
}

/// The result of `SDEProblem.solve`: saved times and states, and a return code.
public struct SDESolution: Sendable {
  public let dimension: Int
  public let times: [Double]
  /// Saved states, row-major: `times.count` rows of `dimension` values.
  public let states: [Double]
  public let returnCode: ReturnCode
  /// Steps actually taken.
  public let steps: Int

  /// The i-th saved state.
  public func state(_ i: Int) -> ArraySlice<Double> { states[i * dimension..<(i + 1) * dimension] }
  public var finalState: [Double] { Array(state(times.count - 1)) }
  public var succeeded: Bool { returnCode == .success }
}
