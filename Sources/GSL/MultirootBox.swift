import CGSL

/// Carries a system F: Rᵖ → Rⁿ (and optionally its n×p Jacobian) through
/// GSL's `void *params`, like `FunctionBox` does for scalar functions: n = p
/// for the multiroot solvers, n ≥ p for least squares. A Swift throw is
/// stored and reported to GSL as `Int32(GSL_EBADFUNC)`, then rethrown; a
/// non-finite value is reported as `Int32(GSL_EBADFUNC)` with nothing stored
/// (the point is outside the function's domain).
final class MultirootBox {
  let n: Int
  let p: Int
  let context: String
  let residual: ([Double]) throws -> [Double]
  let jacobian: (([Double]) throws -> Matrix)?
  var thrown: (any Error)?

  init(
    n: Int, p: Int? = nil, context: String = "multiroot", residual: @escaping ([Double]) throws -> [Double],
    jacobian: (([Double]) throws -> Matrix)?
  ) {
    self.n = n
    self.p = p ?? n
    self.context = context
    self.residual = residual
    self.jacobian = jacobian
  }

  func f(_ x: UnsafePointer<gsl_vector>, _ out: UnsafeMutablePointer<gsl_vector>) -> Int32 {
    do {
      let y = try residual(GSLVectorIO.array(x))
      guard y.count == n else {
        throw GSLError(status: Int32(GSL_EBADLEN), reason: "residual has \(y.count) components, expected \(n)", context: context)
      }
      GSLVectorIO.copy(y, into: out)
      return y.allSatisfy(\.isFinite) ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
    } catch {
      thrown = error
      return Int32(GSL_EBADFUNC)
    }
  }

  func df(_ x: UnsafePointer<gsl_vector>, _ out: UnsafeMutablePointer<gsl_matrix>) -> Int32 {
    do {
      guard let jacobian else { return Int32(GSL_EINVAL) }
      let j = try jacobian(GSLVectorIO.array(x))
      guard j.rows == n, j.columns == p else {
        throw GSLError(status: Int32(GSL_EBADLEN), reason: "Jacobian is \(j.rows)×\(j.columns), expected \(n)×\(p)", context: context)
      }
      GSLVectorIO.copy(j.elements, into: out)
      return j.elements.allSatisfy(\.isFinite) ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
    } catch {
      thrown = error
      return Int32(GSL_EBADFUNC)
    }
  }

  var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

  static func from(_ params: UnsafeMutableRawPointer?) -> MultirootBox {
    Unmanaged<MultirootBox>.fromOpaque(params!).takeUnretainedValue()
  }
}
