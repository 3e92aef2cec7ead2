import Foundation
import GSL

/// A slow point: a local minimum of the speed q(h) = ½‖F(h) − h‖² of the
/// noiseless map that is not a fixed point (Sussillo & Barak 2013; the
/// FixedPointFinder convention). Near one the network lingers for ~1/√q steps.
public struct SlowPoint: Sendable {
  public var h: [Double]
  /// q = ½‖F(h) − h‖² at the minimum.
  public var speed: Double
  /// ‖∇q‖ at the minimum (small when the minimiser converged).
  public var gradientNorm: Double
  public var readout: [Double]
}

extension Network {
  /// Local minima of q from each start by Levenberg–Marquardt (GSL's trust
  /// region, `NonlinearLeastSquares`, the step solved by Cholesky of the
  /// normal equations) on the residual r(h) = F(h) − h with Jacobian
  /// J = γ(diag(f′)W − I), kept when 0 < q ≤ `maxSpeed` and
  /// ‖∇q‖ ≤ 1e-8·γ·(1 + ‖r‖): minima with q = 0 are fixed points and are
  /// reported by `deterministicFixedPoints` instead.
  public func slowPoints(starts: [[Double]], maxSpeed: Double = 1e-4, fixedPointSpeed: Double = 1e-20) -> [SlowPoint] {
    // One workspace for every start. Allocation fails only for want of
    // memory, and then there are no slow points to report.
    guard let minimiser = try? speedMinimiser() else { return [] }
    var found: [SlowPoint] = []
    for start in starts where start.count == size && start.allSatisfy(\.isFinite) {
      guard let p = minimiseSpeed(from: start, with: minimiser), p.speed > fixedPointSpeed, p.speed <= maxSpeed else {
        continue
      }
      let scale = 1 + (p.h.map(abs).max() ?? 0)
      if !found.contains(where: { zip($0.h, p.h).allSatisfy { abs($0 - $1) <= 1e-6 * scale } }) { found.append(p) }
    }
    return found.sorted { $0.speed < $1.speed }
  }

  func speedResidual(_ h: [Double]) -> [Double] { zip(map(h), h).map { $0 - $1 } }

  /// J = γ(diag(f′(Wh + c)) W − I), the Jacobian of r(h) = F(h) − h.
  func speedJacobian(_ h: [Double]) -> Matrix {
    let n = size, g = gamma
    let slopes = preactivation(h).map(activation.derivative)
    var j = Matrix(rows: n, columns: n)
    for i in 0..<n {
      for k in 0..<n { j[i, k] = g * slopes[i] * recurrent[i, k] }
      j[i, i] -= g
    }
    return j
  }

  /// The minimiser of q for this network's size. The gradient test stops
  /// at maxᵢ |∂q/∂hᵢ|·max(|hᵢ|, 1) ≤ 1e-11·γ (q < 1 near a slow point, so
  /// GSL's max(q, 1) is 1): a little inside the acceptance test of
  /// `minimiseSpeed`, so a converged minimum passes it. The step test is
  /// off (a slow point's Gauss–Newton steps are tiny long before the
  /// gradient is: J is nearly singular there); a stall — no step lowers q,
  /// the minimum reached at rounding level — ends the search too.
  func speedMinimiser(maxIterations: Int = 500) throws(GSLError) -> NonlinearLeastSquares {
    try NonlinearLeastSquares(
      residuals: size, parameters: size, method: .levenbergMarquardt, factorisation: .cholesky,
      maxIterations: maxIterations, stepTolerance: 0, gradientTolerance: 1e-11 * gamma, residualTolerance: 0)
  }

  /// The minimum of q reached from `start`, or nil when the minimiser did
  /// not get to a stationary point of q (‖∇q‖ above 1e-8·γ·(1 + ‖r‖)).
  func minimiseSpeed(from start: [Double], with minimiser: NonlinearLeastSquares) -> SlowPoint? {
    guard
      let outcome = try? minimiser.minimise(
        start: start, residual: speedResidual, jacobian: speedJacobian, context: "slow point")
    else { return nil }
    // Every outcome carries the last iterate; whether it is a minimum is
    // decided by its gradient, recomputed here with the final residual.
    let h = outcome.iterate.x
    let r = speedResidual(h)
    let q = 0.5 * r.reduce(0) { $0 + $1 * $1 }
    let j = speedJacobian(h)
    let gradient = (0..<size).map { a in (0..<size).reduce(0) { $0 + j[$1, a] * r[$1] } }
    let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
    guard h.allSatisfy(\.isFinite), q.isFinite, norm <= 1e-8 * gamma * (1 + (2 * q).squareRoot()) else { return nil }
    return SlowPoint(h: h, speed: q, gradientNorm: norm, readout: readout(h))
  }
}
