import Foundation
import Platform

/// The one JSON encoding of every report: keys in snake_case (from the
/// Swift property names, through one strategy, so no type spells its keys by
/// hand) and sorted, so equal results print equal bytes.
public enum JSONOutput {
  public static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  public static func string<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try encoder().encode(value), as: UTF8.self)
  }

  /// Throws `PlatformError.nonFinite` naming `stage` and the first NaN or
  /// infinity's place in the report (its JSON key path), so that no report
  /// is printed with a non-finite number and a success status. Encodes the
  /// report once more with JSONEncoder's default strategy, which refuses
  /// non-finite numbers.
  public static func requireFinite<T: Encodable>(_ value: T, stage: String) throws {
    let strict = JSONEncoder()
    strict.keyEncodingStrategy = .convertToSnakeCase
    do { _ = try strict.encode(value) } catch EncodingError.invalidValue(let bad, let context) {
      // The coding path holds the Swift names; the user reads the JSON's.
      func snake(_ key: String) -> String {
        key.enumerated().map { i, c in c.isUppercase && i > 0 ? "_" + c.lowercased() : c.lowercased() }.joined()
      }
      let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\(snake($0.stringValue))" }.joined()
      let quantity = path.hasPrefix(".") ? String(path.dropFirst()) : path
      throw PlatformError.nonFinite(
        stage: stage, quantity: quantity.isEmpty ? "a value" : quantity, value: (bad as? Double) ?? .nan, index: nil)
    }
  }
}
