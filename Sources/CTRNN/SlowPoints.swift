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
  /// Local minima of q from each start by Levenberg–Marquardt on the residual
  /// r(h) = F(h) − h (step −(JᵀJ + λI)⁻¹Jᵀr, J = γ(diag(f′)W − I)), kept when
  /// 0 < q ≤ `maxSpeed` and ‖∇q‖ ≤ 1e-10·(1 + ‖r‖): minima with q = 0 are
  /// fixed points and are reported by `deterministicFixedPoints` instead.
  public func slowPoints(starts: [[Double]], maxSpeed: Double = 1e-4, fixedPointSpeed: Double = 1e-20) -> [SlowPoint] {
    var found: [SlowPoint] = []
    for start in starts where start.count == size && start.allSatisfy(\.isFinite) {
      guard let p = minimiseSpeed(from: start), p.speed > fixedPointSpeed, p.speed <= maxSpeed else { continue }
      let scale = 1 + (p.h.map(abs).max() ?? 0)
      if !found.contains(where: { zip($0.h, p.h).allSatisfy { abs($0 - $1) <= 1e-6 * scale } }) { found.append(p) }
    }
    return found.sorted { $0.speed < $1.speed }
  }

  func speedResidual(_ h: [Double]) -> [Double] { zip(map(h), h).map { $0 - $1 } }

  func minimiseSpeed(from start: [Double], maxIterations: Int = 500) -> SlowPoint? {
    let n = size, g = gamma
    var h = start, r = speedResidual(h)
    var q = 0.5 * r.reduce(0) { $0 + $1 * $1 }
    var lambda = 1e-3
    var gradient = [Double](repeating: 0, count: n)
    for _ in 0..<maxIterations {
      let slopes = preactivation(h).map(activation.derivative)
      var j = Matrix(rows: n, columns: n)
      for i in 0..<n {
        for k in 0..<n { j[i, k] = g * slopes[i] * recurrent[i, k] }
        j[i, i] -= g
      }
      // ∇q = Jᵀr, JᵀJ
      var jtj = Matrix(rows: n, columns: n)
      for a in 0..<n {
        gradient[a] = (0..<n).reduce(0) { $0 + j[$1, a] * r[$1] }
        for b in a..<n {
          let v = (0..<n).reduce(0) { $0 + j[$1, a] * j[$1, b] }
          jtj[a, b] = v
          jtj[b, a] = v
        }
      }
      let gradientNorm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
      let rNorm = (2 * q).squareRoot()
      if gradientNorm <= 1e-10 * g * (1 + rNorm) || q == 0 { break }
      var improved = false
      for _ in 0..<30 {
        var m = jtj
        for a in 0..<n { m[a, a] += lambda * (1 + jtj[a, a]) }
        guard let step = Cholesky.solve(m, gradient.map { -$0 }) else {
          lambda *= 10
          continue
        }
        let trial = zip(h, step).map { $0 + $1 }
        let rt = speedResidual(trial)
        let qt = 0.5 * rt.reduce(0) { $0 + $1 * $1 }
        if qt.isFinite && qt < q {
          h = trial
          r = rt
          q = qt
          lambda = max(lambda / 10, 1e-12)
          improved = true
          break
        }
        lambda *= 10
      }
      if !improved { break }
    }
    let slopes = preactivation(h).map(activation.derivative)
    for a in 0..<n {
      gradient[a] = (0..<n).reduce(0) { acc, i in
        acc + g * (slopes[i] * recurrent[i, a] - (i == a ? 1 : 0)) * r[i]
      }
    }
    let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
    guard h.allSatisfy(\.isFinite), norm <= 1e-8 * g * (1 + (2 * q).squareRoot()) else { return nil }
    return SlowPoint(h: h, speed: q, gradientNorm: norm, readout: readout(h))
  }
}

/// Cholesky solve of a small symmetric positive-definite system (the
/// Levenberg–Marquardt normal equations); nil when not positive definite.
enum Cholesky {
  static func solve(_ a: Matrix, _ b: [Double]) -> [Double]? {
    let n = a.rows
    var l = Matrix(rows: n, columns: n)
    for i in 0..<n {
      for j in 0...i {
        var s = a[i, j]
        for k in 0..<j { s -= l[i, k] * l[j, k] }
        if i == j {
          guard s > 0 else { return nil }
          l[i, i] = s.squareRoot()
        } else {
          l[i, j] = s / l[j, j]
        }
      }
    }
    var y = b
    for i in 0..<n {
      for k in 0..<i { y[i] -= l[i, k] * y[k] }
      y[i] /= l[i, i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
      for k in (i + 1)..<n { y[i] -= l[k, i] * y[k] }
      y[i] /= l[i, i]
    }
    return y
  }
}
