/// A vector field evaluated on a batch of states at once.
///
/// `states` holds M states of dimension n, row-major (M×n; state m is
/// `states[m*n ..< (m+1)*n]`); the closure writes the M×n result to `out`.
/// M is `states.count / n` and may be 1. Batching is what lets a network's
/// drift be one BLAS dgemm over the whole ensemble instead of M mat-vecs.
///
/// The closure is called concurrently on different batches (one per thread),
/// so it must not mutate shared state; `out` never aliases `states`.
public typealias BatchField = @Sendable (
  _ states: UnsafeBufferPointer<Double>, _ time: Double, _ out: UnsafeMutableBufferPointer<Double>
) -> Void

/// An Itô SDE with diagonal noise, dXᵢ = μᵢ(X, t) dt + gᵢ(X, t) dWᵢ, with n
/// independent Brownian motions: what to solve (SciML's *problem*). How to
/// solve it is an `SDEScheme`; `solve` (SDEProblem+Solve.swift) and
/// `Ensemble` do the stepping.
public struct SDEProblem: Sendable {
  /// n, the state dimension (and the number of Brownian motions).
  public let dimension: Int
  /// μ(x, t), batched.
  public var drift: BatchField
  /// The diagonal of the diffusion matrix, g(x, t), batched.
  public var diffusion: BatchField
  /// ∂gᵢ/∂xᵢ, batched, for Milstein. When nil, Milstein differentiates
  /// `diffusion` by central differences (`DiffusionDerivative`), which costs
  /// 2n extra evaluations of g per step: give it analytically when n > 1.
  public var diffusionDerivative: BatchField?
  public var initialState: [Double]
  public var timeSpan: ClosedRange<Double>
  /// The step asked for. The step used is `timeSpan.length / stepCount`,
  /// never larger than this, so that the last step lands on the end time.
  public var requestedStep: Double

  public init(
    dimension: Int, initialState: [Double], timeSpan: ClosedRange<Double>, step: Double,
    drift: @escaping BatchField, diffusion: @escaping BatchField,
    diffusionDerivative: BatchField? = nil
  ) throws(SDEError) {
    guard dimension > 0 else { throw .invalidArgument("state dimension is \(dimension); it must be at least 1") }
    guard initialState.count == dimension else {
      throw .invalidArgument("initial state has \(initialState.count) components for a \(dimension)-dimensional problem")
    }
    guard initialState.allSatisfy(\.isFinite) else { throw .invalidArgument("initial state has non-finite components") }
    guard timeSpan.lowerBound.isFinite, timeSpan.upperBound.isFinite, timeSpan.upperBound > timeSpan.lowerBound else {
      throw .invalidArgument("time span \(timeSpan) must be finite with end > start")
    }
    guard step.isFinite, step > 0 else { throw .invalidArgument("step is \(step); it must be positive and finite") }
    self.dimension = dimension
    self.initialState = initialState
    self.timeSpan = timeSpan
    self.requestedStep = step
    self.drift = drift
    self.diffusion = diffusion
    self.diffusionDerivative = diffusionDerivative
  }

  /// A scalar SDE dX = μ(x, t) dt + g(x, t) dW from pointwise closures
  /// (batching loops over the states).
  public static func scalar(
    initialState: Double, timeSpan: ClosedRange<Double>, step: Double,
    drift: @escaping @Sendable (_ x: Double, _ t: Double) -> Double,
    diffusion: @escaping @Sendable (_ x: Double, _ t: Double) -> Double,
    diffusionDerivative: (@Sendable (_ x: Double, _ t: Double) -> Double)? = nil
  ) throws(SDEError) -> SDEProblem {
    func batched(_ f: @escaping @Sendable (Double, Double) -> Double) -> BatchField {
      { x, t, out in for i in x.indices { out[i] = f(x[i], t) } }
    }
    return try SDEProblem(
      dimension: 1, initialState: [initialState], timeSpan: timeSpan, step: step,
      drift: batched(drift), diffusion: batched(diffusion),
      diffusionDerivative: diffusionDerivative.map(batched))
  }

  /// Number of steps from start to end: ⌈span / requestedStep⌉ (a relative
  /// slack of 1e-12 keeps span = k·step from rounding up to k + 1).
  public var stepCount: Int {
    let span = timeSpan.upperBound - timeSpan.lowerBound
    return max(1, Int((span / requestedStep * (1 - 1e-12)).rounded(.up)))
  }

  /// The step actually taken, span / stepCount.
  public var step: Double { (timeSpan.upperBound - timeSpan.lowerBound) / Double(stepCount) }

  /// Time after k steps.
  @inline(__always) public func time(afterSteps k: Int) -> Double {
    k == stepCount ? timeSpan.upperBound : timeSpan.lowerBound + Double(k) * step
  }
}
