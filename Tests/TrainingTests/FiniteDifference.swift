/// Central differences of a loss against an analytic gradient, the one loop
/// every gradient check here runs: for each index k in `indices`, step
/// h = 1e-5·max(1, |x_k|) (truncation O(h²) ~ 1e-10, rounding ~ 1e-16/h
/// ~ 1e-11 relative to the loss). Returns the worst |numeric − analytic|
/// and the largest |numeric| (the scale the tolerance is taken against).
enum FiniteDifference {
  static func compare(
    _ x: [Double], _ analytic: [Double], indices: Range<Int>? = nil, loss: ([Double]) -> Double
  ) -> (worst: Double, scale: Double) {
    var worst = 0.0, scale = 0.0
    for k in indices ?? x.indices {
      let h = 1e-5 * max(1, abs(x[k]))
      var plus = x, minus = x
      plus[k] += h
      minus[k] -= h
      let numeric = (loss(plus) - loss(minus)) / (2 * h)
      worst = max(worst, abs(numeric - analytic[k]))
      scale = max(scale, abs(numeric))
    }
    return (worst, scale)
  }
}
