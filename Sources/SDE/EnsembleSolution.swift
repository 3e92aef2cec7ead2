/// The result of an ensemble run.
public struct EnsembleSolution: Sendable {
  public let trajectories: Int
  public let dimension: Int
  /// Steps every trajectory took.
  public let steps: Int
  /// M×n, row-major; rows of failed trajectories hold their non-finite state.
  public let finalStates: [Double]
  /// Step indices of the saved path points (times for an SDE are
  /// `pathTimes`), empty unless `savePathsEvery` was set.
  public let pathSteps: [Int]
  public let pathTimes: [Double]
  /// M × pathSteps.count × n, row-major: trajectory j's k-th saved state is
  /// `paths[(j * pathSteps.count + k) * n ..< … + n]`.
  public let paths: [Double]
  public let statistics: StationaryStatistics?
  /// Trajectories that became non-finite, with the step at which they did.
  public let failures: [(trajectory: Int, step: Int)]

  /// `.success`, or `.nonFiniteState(step:)` with the earliest failing step.
  public var returnCode: ReturnCode {
    guard let first = failures.min(by: { $0.step < $1.step }) else { return .success }
    return .nonFiniteState(step: first.step)
  }

  public func finalState(_ j: Int) -> ArraySlice<Double> { finalStates[j * dimension..<(j + 1) * dimension] }

  /// Trajectory j's saved path, pathSteps.count rows of n.
  public func path(_ j: Int) -> ArraySlice<Double> {
    let rows = pathSteps.count
    return paths[j * rows * dimension..<(j + 1) * rows * dimension]
  }
}
