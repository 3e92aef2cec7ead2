import CGSL

/// A dense row-major matrix of Float64: the currency of the GSL wrappers.
/// GSL's `gsl_matrix` is also row-major, so copies are straight memcpy.
public struct Matrix: Equatable, Sendable {
  public let rows: Int
  public let columns: Int
  public var elements: [Double]

  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && columns >= 0)
    self.rows = rows
    self.columns = columns
    self.elements = Array(repeating: value, count: rows * columns)
  }

  /// - Precondition: `elements.count == rows * columns`.
  public init(rows: Int, columns: Int, elements: [Double]) {
    precondition(elements.count == rows * columns, "Matrix: \(elements.count) elements for \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    self.elements = elements
  }

  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n { m[i, i] = 1 }
    return m
  }

  public subscript(row: Int, column: Int) -> Double {
    get { elements[row * columns + column] }
    set { elements[row * columns + column] = newValue }
  }
}

extension Matrix {
  /// Copies into a newly allocated `gsl_matrix`, runs `body`, frees it.
  func withGSLMatrix<R>(_ body: (UnsafeMutablePointer<gsl_matrix>) throws -> R) throws -> R {
    GSLRuntime.ensureInitialised()
    guard let m = gsl_matrix_alloc(rows, columns) else {
      throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating a \(rows)×\(columns) matrix")
    }
    defer { gsl_matrix_free(m) }
    GSLVectorIO.copy(elements, into: m)
    return try body(m)
  }
}

/// Element copies between Swift arrays and GSL's strided storage.
enum GSLVectorIO {
  static func copy(_ values: [Double], into v: UnsafeMutablePointer<gsl_vector>) {
    let n = v.pointee.size, stride = v.pointee.stride
    for i in 0..<n { v.pointee.data[i * stride] = values[i] }
  }

  static func array(_ v: UnsafePointer<gsl_vector>) -> [Double] {
    let n = v.pointee.size, stride = v.pointee.stride
    return (0..<n).map { v.pointee.data[$0 * stride] }
  }

  static func copy(_ values: [Double], into m: UnsafeMutablePointer<gsl_matrix>) {
    let rows = m.pointee.size1, cols = m.pointee.size2, tda = m.pointee.tda
    for i in 0..<rows { for j in 0..<cols { m.pointee.data[i * tda + j] = values[i * cols + j] } }
  }

  static func array(_ m: UnsafePointer<gsl_matrix>) -> [Double] {
    let rows = m.pointee.size1, cols = m.pointee.size2, tda = m.pointee.tda
    var out = [Double](repeating: 0, count: rows * cols)
    for i in 0..<rows { for j in 0..<cols { out[i * cols + j] = m.pointee.data[i * tda + j] } }
    return out
  }
}
