import Foundation

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
}
