/// A discrete-time Markov chain x' = F(x, ξ), ξ ~ N(0, I_d), run for a fixed
/// number of steps — the exact model of a discretised noisy network
/// (DESIGN.md, "The models"), next to its diffusion approximation.
public struct MarkovChainProblem: Sendable {
  /// F on a batch: `states` is M×n, `normals` M×d standard normals (row m
  /// belongs to state m), `next` receives the M×n new states. Called
  /// concurrently on different batches; `next` aliases neither input.
  public typealias BatchMap = @Sendable (
    _ states: UnsafeBufferPointer<Double>, _ normals: UnsafeBufferPointer<Double>,
    _ next: UnsafeMutableBufferPointer<Double>
  ) -> Void

  public let dimension: Int
  /// d, the number of standard normals one step of one trajectory consumes.
  public let noiseDimension: Int
  public var initialState: [Double]
  public var steps: Int
  public var map: BatchMap
  /// The law of the per-step variates `map` receives in `normals` (each of
  /// variance 1); Gaussian unless set.
  public var variates: ChainVariates = .gaussian
  /// The same map in float32 (`EnsembleOptions.precision = .f32`), with the
  /// same contract as `map`; nil when the chain has no float32 form.
  public var floatMap: FloatBatchMap?

  /// The map split as F(x, ξ) = G(x, ξ, L x) with one linear map L shared
  /// by a family of chains (a network's W at several σ): `Ensemble.solve`
  /// on several chains then forms L x for all their trajectories of a
  /// chunk in one product per step (`Ensemble.solveLockstep`). `map` stays
  /// the reference for single runs and must equal product-then-elementwise.
  public var linearPart: LinearPart?

  /// L x for an M×n batch, and G with `next` holding L x on entry.
  public struct LinearPart: Sendable {
    /// out (M×n) = states (M×n) with L applied to each row.
    public var product: @Sendable (_ states: UnsafeBufferPointer<Double>, _ out: UnsafeMutableBufferPointer<Double>) -> Void
    /// The rest of the step, in place on `next` (which holds L x on entry).
    public var elementwise: BatchMap
    public init(
      product: @escaping @Sendable (_ states: UnsafeBufferPointer<Double>, _ out: UnsafeMutableBufferPointer<Double>) -> Void,
      elementwise: @escaping BatchMap
    ) {
      self.product = product
      self.elementwise = elementwise
    }
  }

  /// `BatchMap` in float32.
  public typealias FloatBatchMap = @Sendable (
    _ states: UnsafeBufferPointer<Float>, _ normals: UnsafeBufferPointer<Float>,
    _ next: UnsafeMutableBufferPointer<Float>
  ) -> Void

  public init(
    dimension: Int, noiseDimension: Int, initialState: [Double], steps: Int, map: @escaping BatchMap
  ) throws(SDEError) {
    guard dimension > 0 else { throw .invalidArgument("state dimension is \(dimension); it must be at least 1") }
    guard noiseDimension >= 0 else { throw .invalidArgument("noise dimension is \(noiseDimension); it must be ≥ 0") }
    guard initialState.count == dimension else {
      throw .invalidArgument("initial state has \(initialState.count) components for a \(dimension)-dimensional chain")
    }
    guard initialState.allSatisfy(\.isFinite) else { throw .invalidArgument("initial state has non-finite components") }
    guard steps > 0 else { throw .invalidArgument("steps is \(steps); it must be at least 1") }
    self.dimension = dimension
    self.noiseDimension = noiseDimension
    self.initialState = initialState
    self.steps = steps
    self.map = map
  }

  /// A scalar chain x' = F(x, ξ) with one standard normal per step.
  public static func scalar(
    initialState: Double, steps: Int, map: @escaping @Sendable (_ x: Double, _ xi: Double) -> Double
  ) throws(SDEError) -> MarkovChainProblem {
    try MarkovChainProblem(dimension: 1, noiseDimension: 1, initialState: [initialState], steps: steps) { x, xi, next in
      for i in x.indices { next[i] = map(x[i], xi[i]) }
    }
  }
}
