import Foundation

/// A value with its standard error written the way physics papers do:
/// `0.3757(7)` means 0.3757 ± 0.0007, the digits in parentheses counting
/// units of the value's last digit.
///
/// The rounding rule (the Particle Data Group's, simplified to its leading
/// digit):
/// 1. The standard error keeps 1 significant digit, or 2 when its leading
///    digit is 1 (0.0007 → 7, 0.0011 → 11, 0.15 → 15). The leading digit is
///    read after rounding to 3 significant digits, so an SE that rounds up
///    to a power of ten keeps 2 digits (0.0996 → 0.10, PDG's 950–999 rule).
/// 2. The value is rounded to the same decimal place as the rounded SE, so
///    the table never shows a digit the SE does not support.
/// 3. When the larger of |value| and SE is below 1e-4 or at least 1e5, both
///    are scaled by the same power of ten and an exponent follows:
///    `2.8(7)e-5` (siunitx reads that form too).
/// 4. SE = 0 (an exact value), a negative or non-finite SE: the value alone,
///    as a plain number (`PaperNumber.plain`). A value that rounds to zero is
///    printed without a sign (`0.000(2)`, not `-0.000(2)`).
///
/// Decimal digits come from printf's correctly rounded conversions of the
/// doubles, not from multiplying by powers of ten, so 0.0007 is not read as
/// 6.9999…e-4.
public enum Uncertainty {
  /// The formatted value with its uncertainty, e.g. `0.3757(7)`.
  public static func format(_ value: Double, se: Double) -> String {
    guard value.isFinite else { return PaperNumber.plain(value) }
    guard se.isFinite, se > 0 else { return PaperNumber.plain(value) }
    let scale = PaperNumber.exponent(Swift.max(abs(value), se))
    if let e = scale, e < PaperNumber.fixedRange.lowerBound || e >= PaperNumber.fixedRange.upperBound {
      // Scaling by an exact power of ten string (1e-8) keeps the error to
      // one rounding of each number, far below the digits shown.
      let factor = Double("1e\(e)")!
      return fixed(value / factor, se: se / factor) + "e\(e)"
    }
    return fixed(value, se: se)
  }

  /// The decimal place (digits after the point; negative: tens, hundreds …)
  /// the rule puts the last shown digit at, for an SE > 0.
  public static func decimalPlace(se: Double) -> Int {
    let (leading, exponent) = leadingDigit(se)
    let significant = leading == 1 ? 2 : 1
    return significant - 1 - exponent
  }

  /// The SE's leading digit and decimal exponent after rounding to three
  /// significant digits (printf's `%.2e`, correctly rounded).
  static func leadingDigit(_ x: Double) -> (digit: Int, exponent: Int) {
    let s = String(format: "%.2e", x)  // e.g. "6.80e-04"
    let parts = s.split(separator: "e")
    let digit = Int(String(parts[0].prefix(1))) ?? 0
    let exponent = Int(parts[1]) ?? 0
    return (digit, exponent)
  }

  /// Without an exponent.
  static func fixed(_ value: Double, se: Double) -> String {
    let place = decimalPlace(se: se)
    var v: String, u: String
    if place >= 0 {
      v = String(format: "%.\(place)f", value)
      // The SE at the same place, as an integer count of its last digit:
      // "0.0007" → "7", "0.010" → "10".
      let digits = String(format: "%.\(place)f", se).filter(\.isNumber)
      u = String(digits.drop { $0 == "0" })
      if u.isEmpty { u = "0" }
    } else {
      // Tens or hundreds: round both to 10^-place and print them whole;
      // the uncertainty's digits then line up with the value's last ones
      // (12300(200) is 12300 ± 200).
      let unit = Double("1e\(-place)")!
      v = String(format: "%.0f", (value / unit).rounded() * unit)
      u = String(format: "%.0f", (se / unit).rounded() * unit)
    }
    return PaperNumber.unsignedZero(v) + "(" + u + ")"
  }
}

/// How numbers without an uncertainty become cells.
public enum PaperNumber {
  /// Decimal exponents printed without an exponent: 1e-4 ≤ |x| < 1e5.
  public static let fixedRange = -4..<5
  /// Significant digits of a number without an uncertainty (an analytic
  /// value, a setting) unless a table asks for others: enough to compare a
  /// closure or mean-field readout with a simulated one, which rarely
  /// supports more than four.
  public static let significantDigits = 4

  /// `x` to `significantDigits` significant digits (1...17), trailing zeros
  /// dropped (0.5, 0.3761, 3e-5, 1.5e6); non-finite as nan, inf, -inf.
  public static func plain(_ x: Double, significantDigits: Int = significantDigits) -> String {
    let significantDigits = Swift.min(17, Swift.max(1, significantDigits))
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return "0" }
    // x rounded to the digits shown, by printf: its exponent is that of the
    // rounded number (9.99996 → 1.000e+01), and a decimal literal such as
    // 1e-12 is read as written, not as its binary neighbour 9.99…e-13.
    let s = String(format: "%.\(significantDigits - 1)e", x)
    guard let eIndex = s.firstIndex(of: "e"), let e = Int(s[s.index(after: eIndex)...]) else { return s }
    if fixedRange.contains(e) {
      let decimals = Swift.max(0, significantDigits - 1 - e)
      return unsignedZero(trimZeros(String(format: "%.\(decimals)f", x)))
    }
    return trimZeros(String(s[..<eIndex])) + "e\(e)"
  }

  /// The decimal exponent of |x| (floor of log10), read from printf at 15
  /// significant digits, which every decimal literal survives: 1e-12 is -12,
  /// not -13 (its double is 9.9999999999999998e-13); nil for 0 or non-finite.
  static func exponent(_ x: Double) -> Int? {
    guard x.isFinite, x != 0 else { return nil }
    let s = String(format: "%.14e", abs(x))
    return s.split(separator: "e").last.flatMap { Int($0) }
  }

  /// "0.500" → "0.5", "2.000" → "2", "120" → "120".
  static func trimZeros(_ s: String) -> String {
    guard s.contains(".") else { return s }
    var t = Substring(s)
    while t.hasSuffix("0") { t = t.dropLast() }
    if t.hasSuffix(".") { t = t.dropLast() }
    return String(t)
  }

  /// "-0.000" → "0.000": a value that rounds to zero carries no sign.
  static func unsignedZero(_ s: String) -> String {
    s.hasPrefix("-") && s.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(s.dropFirst()) : s
  }
}
