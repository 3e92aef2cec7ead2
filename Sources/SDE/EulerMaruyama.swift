/// Euler–Maruyama: X ← X + μ(X, t) Δt + g(X, t) ΔW.
/// Strong order ½ for multiplicative noise (1 for additive), weak order 1.
public struct EulerMaruyama: SDEScheme {
  public init() {}
  public var name: String { "euler-maruyama" }
  public var strongOrder: Double { 0.5 }
  public var weakOrder: Double { 1 }

  public func advance(
    _ states: UnsafeMutableBufferPointer<Double>, time: Double, step: Double,
    increments: UnsafeBufferPointer<Double>, problem: SDEProblem, workspace: SDEWorkspace
  ) {
    let count = states.count
    let x = UnsafeBufferPointer(states)
    let mu = UnsafeMutableBufferPointer(rebasing: workspace.drift[0..<count])
    let g = UnsafeMutableBufferPointer(rebasing: workspace.diffusion[0..<count])
    problem.drift(x, time, mu)
    problem.diffusion(x, time, g)
    for i in 0..<count { states[i] += mu[i] * step + g[i] * increments[i] }
  }
}
