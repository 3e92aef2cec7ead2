/// A 1-D density estimate: the fraction of samples per bin divided by the
/// bin width, with a batch-means standard error per bin.
public struct Histogram: Sendable {
  public let coordinate: Int
  /// bins + 1 edges.
  public let edges: [Double]
  public let density: [Double]
  public let densityStandardError: [Double]
  /// Fractions of the samples below the first edge and at or above the last.
  public let fractionBelow: Double
  public let fractionAbove: Double

  public var bins: Int { density.count }
  public var centers: [Double] { (0..<bins).map { 0.5 * (edges[$0] + edges[$0 + 1]) } }
  /// Probability of each bin, density × width.
  public var probabilities: [Double] { (0..<bins).map { density[$0] * (edges[$0 + 1] - edges[$0]) } }
}
