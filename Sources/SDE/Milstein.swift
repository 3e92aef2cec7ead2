/// Milstein for diagonal noise (DESIGN.md, "Numerical notes"):
/// Xᵢ ← Xᵢ + μᵢ Δt + gᵢ ΔWᵢ + ½ gᵢ ∂gᵢ/∂xᵢ (ΔWᵢ² − Δt).
///
/// The correction is the Itô–Taylor term g g′ I₍₁,₁₎ with
/// I₍₁,₁₎ = (ΔW² − Δt)/2. It gives strong order 1 when each gᵢ depends on xᵢ
/// only (true diagonal noise, e.g. the noise-in neuron's √(dt·v(x))/τ in 1-D);
/// if gᵢ depends on other coordinates the omitted Lévy-area terms leave
/// strong order ½, like SciML's diagonal-noise Milstein. Weak order 1.
///
/// ∂gᵢ/∂xᵢ is the problem's `diffusionDerivative` when given, else central
/// differences (`DiffusionDerivative.centralDifference`).
public struct Milstein: SDEScheme {
  public init() {}
  public var name: String { "milstein" }
  public var strongOrder: Double { 1 }
  public var weakOrder: Double { 1 }

  public func advance(
    _ states: UnsafeMutableBufferPointer<Double>, time: Double, step: Double,
    increments: UnsafeBufferPointer<Double>, problem: SDEProblem, workspace: SDEWorkspace
  ) {
    let count = states.count
    let x = UnsafeBufferPointer(states)
    let mu = UnsafeMutableBufferPointer(rebasing: workspace.drift[0..<count])
    let g = UnsafeMutableBufferPointer(rebasing: workspace.diffusion[0..<count])
    let dg = UnsafeMutableBufferPointer(rebasing: workspace.derivative[0..<count])
    problem.drift(x, time, mu)
    problem.diffusion(x, time, g)
    if let derivative = problem.diffusionDerivative {
      derivative(x, time, dg)
    } else {
      DiffusionDerivative.centralDifference(problem: problem, states: x, time: time, into: dg, workspace: workspace)
    }
    for i in 0..<count {
      let dW = increments[i]
      states[i] += mu[i] * step + g[i] * dW + 0.5 * g[i] * dg[i] * (dW * dW - step)
    }
  }
}
