import Foundation
import GSL
import GaussianMoments
import SDE

/// A fixed point x* of a one-dimensional map, with the multiplier of the
/// linearised chain there and whether |multiplier| < 1.
public struct FixedPoint: Sendable, Equatable, Codable {
  public var x: Double
  public var multiplier: Double
  public var stable: Bool { abs(multiplier) < 1 }
  public init(x: Double, multiplier: Double) {
    self.x = x
    self.multiplier = multiplier
  }
}

/// The one-neuron CTRNN with step γ = dt/τ:
/// noise-in  x ← (1−γ)x + γ f(wx + b + σξ),
/// noise-out x ← (1−γ)x + γ (f(wx + b) + σξ).
public struct SingleNeuron: Sendable {
  public let activation: Activation
  public let w: Double
  public let b: Double
  public let sigma: Double
  public let noise: NoisePlacement
  public let dt: Double
  public let tau: Double

  public var gamma: Double { dt / tau }

  public init(
    activation: Activation, w: Double, b: Double, sigma: Double, noise: NoisePlacement, dt: Double, tau: Double
  ) throws(NeuronError) {
    guard w.isFinite else { throw .invalidParameter(.w, message: "must be a finite number, got \(w)") }
    guard b.isFinite else { throw .invalidParameter(.b, message: "must be a finite number, got \(b)") }
    guard sigma.isFinite, sigma >= 0 else {
      throw .invalidParameter(.sigma, message: "must be finite and >= 0, got \(sigma)")
    }
    guard dt.isFinite, dt > 0 else { throw .invalidParameter(.dt, message: "must be finite and > 0, got \(dt)") }
    guard tau.isFinite, tau > 0 else { throw .invalidParameter(.tau, message: "must be finite and > 0, got \(tau)") }
    guard dt / tau <= 1 else {
      throw .invalidParameter(.dt, message: "gives dt/tau = \(dt / tau) > 1; need dt <= tau")
    }
    self.activation = activation
    self.w = w
    self.b = b
    self.sigma = sigma
    self.noise = noise
    self.dt = dt
    self.tau = tau
  }

  // MARK: The exact chain

  /// One step of the chain from x with standard normal ξ.
  @inline(__always) public func step(_ x: Double, _ xi: Double) -> Double {
    let g = gamma
    switch noise {
    case .inside: return (1 - g) * x + g * activation(w * x + b + sigma * xi)
    case .outside: return (1 - g) * x + g * (activation(w * x + b) + sigma * xi)
    }
  }

  /// The deterministic map's multiplier (1−γ) + γ w f′(wx + b).
  public func multiplier(at x: Double) -> Double {
    (1 - gamma) + gamma * w * activation.derivative(w * x + b)
  }

  /// Whether the chain can have a stationary law: with f unbounded above the
  /// map grows like (1−γ+γw)x, so w < 1 is needed; a linear f also needs
  /// 1−γ+γw > −1 (unbounded below).
  public func checkStationary() throws(NeuronError) {
    let (lo, hi) = activation.rangeBounds
    let a = 1 - gamma + gamma * w
    if hi == .infinity && !(w < 1) {
      throw .noStationaryLaw("\(activation) is unbounded above and w = \(w) >= 1: the chain diverges; use w < 1")
    }
    if lo == -.infinity && !(a > -1) {
      throw .noStationaryLaw("\(activation) is unbounded below and 1 - gamma + gamma*w = \(a) <= -1: the chain oscillates out")
    }
    guard sigma > 0 else {
      throw .invalidParameter(.sigma, message: "is 0: the stationary law is a point mass at a fixed point; need sigma > 0")
    }
    // The same floor as a checkpoint's: below it the law's width (~√γ σ)
    // and its relaxation (~1/γ steps) leave every grid and ensemble behind.
    guard gamma >= Self.minimumGamma else {
      throw .invalidParameter(.dt, message: "gives dt/tau = \(gamma), below \(Self.minimumGamma): too slow a chain for a stationary analysis; raise dt or lower tau")
    }
  }

  /// The smallest γ = dt/τ `checkStationary` accepts.
  public static let minimumGamma = 1e-4

  // MARK: Fixed points

  /// Roots of g(x) = F(x) − x on `bracket`: a scan of `grid` points for sign
  /// changes (and exact zeros), each refined by Brent. A tangential (double)
  /// root that does not change sign is missed unless a grid point hits it.
  static func roots(
    of g: @escaping (Double) throws -> Double, in bracket: ClosedRange<Double>, grid: Int = 4000
  ) throws -> [Double] {
    let solver = try RootBracketing(absoluteTolerance: 1e-15, relativeTolerance: 4 * .ulpOfOne)
    let a = bracket.lowerBound, h = (bracket.upperBound - a) / Double(grid)
    var out: [Double] = []
    var xPrev = a, gPrev = try g(a)
    if gPrev == 0 { out.append(a) }
    for i in 1...grid {
      let x = i == grid ? bracket.upperBound : a + Double(i) * h
      let gx = try g(x)
      if gx == 0 {
        out.append(x)
      } else if gPrev != 0, gPrev.sign != gx.sign, gPrev.isFinite, gx.isFinite {
        out.append(try solver.solve(g, lower: xPrev, upper: x, context: "fixed point"))
      }
      xPrev = x
      gPrev = gx
    }
    return out
  }

  /// An interval holding every solution of x = F(x) when F maps into `range`:
  /// the range itself (slightly padded) if bounded; otherwise a wide interval
  /// scaled by |b| and 1/|1 − w| (for linear f the one root is b/(1 − w)).
  func fixedPointBracket(range: (lower: Double, upper: Double)) -> ClosedRange<Double> {
    let scale = 10 * (1 + abs(b)) / max(abs(1 - w), 1e-3) + 10
    let lo = range.lower.isFinite ? range.lower - 1e-9 : -scale
    let hi = range.upper.isFinite ? range.upper + 1e-9 : scale
    return lo...hi
  }

  /// Solutions of x = f(wx + b), ascending, with stability of the noiseless chain.
  public func deterministicFixedPoints() throws -> [FixedPoint] {
    if activation == .linear {
      guard w != 1 else { return [] }
      let x = b / (1 - w)
      return [FixedPoint(x: x, multiplier: multiplier(at: x))]
    }
    let f = activation, w = w, b = b
    return try Self.roots(of: { f(w * $0 + b) - $0 }, in: fixedPointBracket(range: f.rangeBounds))
      .map { FixedPoint(x: $0, multiplier: multiplier(at: $0)) }
  }

  /// Noise-averaged fixed points: x = E f(wx + b + σξ) (noise-in; the
  /// multiplier uses the mean slope E f′), or the deterministic ones
  /// (noise-out: noise outside f averages out at first order).
  public func noiseAveragedFixedPoints() throws -> [FixedPoint] {
    guard noise == .inside, sigma > 0 else { return try deterministicFixedPoints() }
    let evaluator = try MomentEvaluator()
    let f = activation, w = w, b = b, s = sigma, g = gamma
    if f == .linear { return try deterministicFixedPoints() }
    return try Self.roots(
      of: { try evaluator.moments(f, mu: w * $0 + b, sigma: s).mean - $0 },
      in: fixedPointBracket(range: f.rangeBounds), grid: 800
    ).map {
      let slope = try evaluator.moments(f, mu: w * $0 + b, sigma: s).meanSlope
      return FixedPoint(x: $0, multiplier: (1 - g) + g * w * slope)
    }
  }

  // MARK: Stationary law of the exact chain

  /// z(y | x) with P(x' ≤ y | x) = Φ(z) (DESIGN.md, "Transfer operator").
  public func threshold(_ y: Double, _ x: Double) -> Double {
    let g = gamma, r = (y - (1 - g) * x) / g
    switch noise {
    case .inside: return (activation.inverse(r) - w * x - b) / sigma
    case .outside: return (r - activation(w * x + b)) / sigma
    }
  }

  /// A rough centre and width of the stationary law, to seed domain searches.
  public func roughLocation() throws -> (center: Double, scale: Double) {
    let points = try noiseAveragedFixedPoints()
    let stable = points.filter(\.stable)
    let center = (stable.first ?? points.first)?.x ?? 0
    let a = min(abs(multiplier(at: center)), 0.999)
    let slope = noise == .inside ? max(abs(activation.derivative(w * center + b)), 0.1) : 1
    let sd = gamma * sigma * slope / (1 - a * a).squareRoot()
    return (center, max(sd, 1e-6))
  }

  /// The stationary law of the exact chain by Ulam's method.
  public func transferOperator(cells: Int = 400, domain: ClosedRange<Double>? = nil) throws -> TransferOperatorDensity {
    try checkStationary()
    let (center, scale) = try roughLocation()
    let me = self
    return try TransferOperator1D(gaussianThreshold: { y, x in me.threshold(y, x) })
      .solve(domain: domain, center: center, scale: 3 * scale, cells: cells)
  }

  // MARK: Diffusion approximation

  /// The moment table m, v over pre-activations u = wx + b for x in `xRange`.
  public func momentTable(xRange: ClosedRange<Double>, nodes: Int = 4001) throws -> MomentTable {
    let u1 = w * xRange.lowerBound + b, u2 = w * xRange.upperBound + b
    var lo = min(u1, u2), hi = max(u1, u2)
    if hi - lo < 1e-6 { lo -= 1; hi += 1 }
    return try MomentTable(activation: activation, sigma: noise == .inside ? sigma : 0, lower: lo, upper: hi, nodes: nodes)
  }

  /// Drift and diffusion of the SDE that matches one chain step's mean and
  /// variance (DESIGN.md, "Diffusion approximation"):
  /// noise-in drift (m(wx+b) − x)/τ, diffusion √(dt·v(wx+b))/τ;
  /// noise-out drift (f(wx+b) − x)/τ, diffusion σ√dt/τ.
  public func diffusionApproximation(table: MomentTable) -> DiffusionApproximation {
    DiffusionApproximation(neuron: self, table: table)
  }

  /// A default x-range for the moment table: the chain's domain widened by
  /// its own width on each side.
  public static func tableRange(around domain: ClosedRange<Double>) -> ClosedRange<Double> {
    let width = domain.upperBound - domain.lowerBound
    return (domain.lowerBound - width)...(domain.upperBound + width)
  }
}

/// The neuron's diffusion approximation dX = μ(X) dt + g(X) dW.
public struct DiffusionApproximation: Sendable {
  public let neuron: SingleNeuron
  public let table: MomentTable

  public func drift(_ x: Double) -> Double {
    let n = neuron, u = n.w * x + n.b
    switch n.noise {
    case .inside: return (table.mean(u) - x) / n.tau
    case .outside: return (n.activation(u) - x) / n.tau
    }
  }

  public func diffusion(_ x: Double) -> Double {
    let n = neuron
    switch n.noise {
    case .inside: return (n.dt * table.variance(n.w * x + n.b)).squareRoot() / n.tau
    case .outside: return n.sigma * n.dt.squareRoot() / n.tau
    }
  }

  /// The stationary Fokker–Planck density.
  public func fokkerPlanck(center: Double, scale: Double, cells: Int = 200) throws -> FokkerPlanckDensity {
    let me = self
    return try FokkerPlanck1D(drift: { me.drift($0) }, diffusion: { me.diffusion($0) })
      .solve(center: center, scale: scale, cells: cells)
  }

  /// The SDE started at x0 for `steps` steps of the chain's dt.
  public func problem(initialState x0: Double, steps: Int) throws -> SDEProblem {
    guard steps > 0 else { throw NeuronError.invalidParameter(.steps, message: "must be at least 1, got \(steps)") }
    let me = self, dt = neuron.dt
    return try SDEProblem.scalar(
      initialState: x0, timeSpan: 0...(Double(steps) * dt), step: dt,
      drift: { x, _ in me.drift(x) }, diffusion: { x, _ in me.diffusion(x) })
  }
}

extension SingleNeuron {
  /// The exact chain as a `MarkovChainProblem`.
  public func chain(initialState x0: Double, steps: Int) throws -> MarkovChainProblem {
    guard steps > 0 else { throw NeuronError.invalidParameter(.steps, message: "must be at least 1, got \(steps)") }
    let me = self
    return try MarkovChainProblem.scalar(initialState: x0, steps: steps) { x, xi in me.step(x, xi) }
  }
}
