import Foundation
import GSL
import GaussianMoments
import SDE

extension Network {
  /// The exact discrete chain at noise σ as a batched `MarkovChainProblem`:
  /// one dgemm (X Wᵀ) per step for the whole batch, then the elementwise
  /// nonlinearity with each trajectory's own N unit-variance variates of
  /// the network's noise law. σ is in the network's amplitude convention
  /// (`chainSigma`).
  public func chain(sigma sigmaGiven: Double, initialState h0: [Double], steps: Int) throws -> MarkovChainProblem {
    try checkSigma(sigmaGiven)
    if let dropout { return try dropoutChain(dropout, sigma: sigmaGiven, initialState: h0, steps: steps) }
    let sigma = chainSigma(sigmaGiven)
    let n = size, g = gamma, keep = 1 - g, f = activation, c = drive, inside = noise == .inside
    let product = RecurrentProduct(recurrent)
    if let gate = noiseGate {
      var problem = try MarkovChainProblem(dimension: n, noiseDimension: n, initialState: h0, steps: steps) { x, xi, next in
        let m = x.count / n
        product.apply(x, into: next, batch: m)
        for r in 0..<m {
          let o = r * n
          for i in 0..<n {
            next[o + i] = keep * x[o + i] + g * gate.value(f, next[o + i] + c[i], sigma: sigma, xi: xi[o + i])
          }
        }
      }
      problem.variates = Self.variates(noiseLaw)
      return problem
    }
    // The piecewise-linear activations step in the vectorised C kernel,
    // which gives the Swift loop's doubles (tested in ChainStepKernelTests).
    let kernel: VectorKernels.Activation? =
      switch f {
      case .linear: .linear
      case .relu: .relu
      case .hardtanh: .hardtanh
      default: nil
      }
    // The step after the product (next holds W x on entry).
    let elementwise: MarkovChainProblem.BatchMap = { x, xi, next in
      let m = x.count / n
      if let kernel, let xp = x.baseAddress, let ip = xi.baseAddress, let np = next.baseAddress {
        let done = c.withUnsafeBufferPointer { cp in
          VectorKernels.chainStep(
            kernel, inside: inside, rows: m, n: n, states: xp, next: np, drive: cp.baseAddress!, normals: ip, keep: keep, gamma: g,
            sigma: sigma)
        }
        if done { return }
      }
      // One loop per activation, so the activation is inlined rather than
      // switched on per element (the same arithmetic, the same bytes).
      @inline(__always) func apply(_ f: (Double) -> Double) {
        for r in 0..<m {
          let o = r * n
          for i in 0..<n {
            let u = next[o + i] + c[i]
            next[o + i] = inside
              ? keep * x[o + i] + g * f(u + sigma * xi[o + i])
              : keep * x[o + i] + g * (f(u) + sigma * xi[o + i])
          }
        }
      }
      switch f {
      case .tanh: apply { Foundation.tanh($0) }
      case .relu: apply { Swift.max($0, 0) }
      default: apply { f($0) }
      }
    }
    var problem = try MarkovChainProblem(dimension: n, noiseDimension: n, initialState: h0, steps: steps) { x, xi, next in
      product.apply(x, into: next, batch: x.count / n)
      elementwise(x, xi, next)
    }
    problem.linearPart = .init(product: { x, out in product.apply(x, into: out, batch: x.count / n) }, elementwise: elementwise)
    problem.variates = Self.variates(noiseLaw)
    // The float32 kernels draw Gaussian variates only: other laws (and the
    // gated chain above) have no float32 form, and f32 is refused for them.
    if noiseLaw == .gaussian { problem.floatMap = floatChainMap(sigma: sigma) }
    return problem
  }

  /// The chain's map in float32 (`EnsembleOptions.precision = .f32`): one
  /// sgemm per step, then the fused vectorised kernel (linear, relu, tanh,
  /// sigmoid, hardtanh) or, for softplus and erf, the float64 activation
  /// rounded to float.
  func floatChainMap(sigma: Double) -> MarkovChainProblem.FloatBatchMap {
    let n = size, f = activation, inside = noise == .inside
    let g = Float(gamma), keep = Float(1 - gamma), s = Float(sigma)
    let product = RecurrentProductFloat(recurrent), c = drive.map { Float($0) }
    let kernel: VectorKernels.Activation? =
      switch f {
      case .linear: .linear
      case .relu: .relu
      case .tanh: .tanh
      case .sigmoid: .sigmoid
      case .hardtanh: .hardtanh
      case .softplus, .erf, .hardsigmoid: nil
      }
    return { x, xi, next in
      let m = x.count / n
      guard let xp = x.baseAddress, let np = next.baseAddress, let ip = xi.baseAddress else { return }
      product.apply(xp, into: np, batch: m)
      c.withUnsafeBufferPointer { cp in
        if let kernel {
          VectorKernels.chainStep(
            kernel, inside: inside, rows: m, n: n, states: xp, next: np, drive: cp.baseAddress!, normals: ip, keep: keep, gamma: g,
            sigma: s)
          return
        }
        for r in 0..<m {
          for i in 0..<n {
            let k = r * n + i, u = np[k] + cp[i]
            np[k] = inside
              ? keep * xp[k] + g * Float(f(Double(u + s * ip[k])))
              : keep * xp[k] + g * (Float(f(Double(u))) + s * ip[k])
          }
        }
      }
    }
  }

  /// σ of the γσ chain for a σ in the network's amplitude convention
  /// (σ itself for γσ, so Gaussian γσ networks run exactly as before).
  public func chainSigma(_ sigma: Double) -> Double {
    noiseAmplitude.chainSigma(sigma, gamma: gamma)
  }

  /// The chain's variates of a noise law (training draws the same).
  public static func variates(_ law: NoiseLaw) -> ChainVariates {
    switch law {
    case .gaussian: return .gaussian
    case .laplace: return .laplace
    case .halfNormal: return .halfNormal
    case .saltAndPepper: return .impulse(rate: NoiseLaw.saltAndPepperRate)
    }
  }

  /// The diffusion approximation at noise σ (DESIGN.md, "Diffusion
  /// approximation"), run for `steps` steps of the chain's dt:
  ///   noise-in : drift (m(Wh+c) − h)/τ, diffusion √(dt·v(Wh+c))/τ,
  ///   noise-out: drift (f(Wh+c) − h)/τ, diffusion σ√dt/τ,
  /// with m, v read from `table` (built for σ). Milstein gets the diagonal
  /// derivative ∂gᵢ/∂hᵢ = √dt/τ · v′(uᵢ) Wᵢᵢ / (2√v(uᵢ)) analytically.
  public func diffusionApproximation(
    sigma sigmaGiven: Double, table: MomentTable?, initialState h0: [Double], steps: Int
  ) throws -> SDEProblem {
    try checkSigma(sigmaGiven)
    try requireGaussianNoise(for: "the diffusion approximation")
    if dropout != nil {
      throw NetworkError.invalidParameter(.schemes, message: "the diffusion approximation has no dropout; use the exact chain")
    }
    let sigma = chainSigma(sigmaGiven)
    let n = size, tau = tau, dt = dt, f = activation, c = drive
    let product = RecurrentProduct(recurrent)
    let diagonal = (0..<n).map { recurrent[$0, $0] }
    let span = 0...(Double(steps) * dt)
    if noise == .outside {
      let g = sigma * dt.squareRoot() / tau
      return try SDEProblem(
        dimension: n, initialState: h0, timeSpan: span, step: dt,
        drift: { x, _, out in
          product.apply(x, into: out, batch: x.count / n)
          Self.forEachNeuron(batch: x.count / n, n: n) { k, i in out[k] = (f(out[k] + c[i]) - x[k]) / tau }
        },
        diffusion: { _, _, out in for k in out.indices { out[k] = g } },
        diffusionDerivative: { _, _, out in for k in out.indices { out[k] = 0 } })
    }
    guard let table else { throw NetworkError.invalidParameter(.sigma, message: "noise-in diffusion needs a moment table") }
    let scale = dt.squareRoot() / tau
    return try SDEProblem(
      dimension: n, initialState: h0, timeSpan: span, step: dt,
      drift: { x, _, out in
        product.apply(x, into: out, batch: x.count / n)
        Self.forEachNeuron(batch: x.count / n, n: n) { k, i in out[k] = (table.mean(out[k] + c[i]) - x[k]) / tau }
      },
      diffusion: { x, _, out in
        product.apply(x, into: out, batch: x.count / n)
        Self.forEachNeuron(batch: x.count / n, n: n) { k, i in out[k] = scale * table.variance(out[k] + c[i]).squareRoot() }
      },
      diffusionDerivative: { x, _, out in
        product.apply(x, into: out, batch: x.count / n)
        Self.forEachNeuron(batch: x.count / n, n: n) { k, i in
          let u = out[k] + c[i], v = table.variance(u)
          out[k] = v > 0 ? scale * table.varianceSlope(u) * diagonal[i] / (2 * v.squareRoot()) : 0
        }
      })
  }

  /// m and v of f(u + σξ) tabulated over the pre-activations `range` (noise-in
  /// only; noise-out needs no table). 2001 nodes: cubic interpolation error
  /// O(h⁴ m⁗) is below 1e-10 for ranges of a few tens of units at σ ≥ 0.05.
  public func momentTable(sigma: Double, preactivationRange range: ClosedRange<Double>) throws -> MomentTable? {
    guard noise == .inside, sigma > 0 else { return nil }
    try requireGaussianNoise(for: "a Gaussian moment table")
    return try MomentTable(
      activation: activation, sigma: chainSigma(sigma), lower: range.lowerBound, upper: range.upperBound, nodes: 2001)
  }

  /// Throws unless ξ is Gaussian: what the diffusion approximation, the
  /// Gaussian moment tables and the Gaussian closure assume.
  public func requireGaussianNoise(for what: String) throws(NetworkError) {
    guard noiseGate == nil else {
      throw .invalidParameter(.noiseLaw, message: "is gated (Gulcehre): \(what) assumes additive noise; use the exact chain and the law's mean field")
    }
    guard noiseLaw.isGaussian else {
      throw .invalidParameter(
        .noiseLaw,
        message: "is \(noiseLaw.label): \(what) assumes Gaussian noise; use the exact chain and the law's mean field")
    }
  }

  func checkSigma(_ sigma: Double) throws(NetworkError) {
    guard sigma.isFinite, sigma >= 0 else {
      throw .invalidParameter(.sigma, message: "values must be finite and >= 0, got \(sigma)")
    }
  }

  /// Calls body(flat index, neuron) over an M×n batch, row by row (no
  /// division per element).
  @inline(__always)
  static func forEachNeuron(batch m: Int, n: Int, _ body: (_ k: Int, _ i: Int) -> Void) {
    var k = 0
    for _ in 0..<m {
      for i in 0..<n {
        body(k, i)
        k += 1
      }
    }
  }
}
