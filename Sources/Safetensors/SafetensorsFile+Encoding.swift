import Foundation

extension SafetensorsFile {
  /// The canonical bytes of this file (see the type's documentation).
  /// F32 tensors are rounded to the nearest Float; a finite Double beyond
  /// Float's range becomes ±infinity here, so callers that care (as
  /// a checkpoint does) check before encoding.
  public func encode() -> [UInt8] {
    // Data layout: larger elements first, then by name (see above).
    let layout = tensors.keys.sorted { a, b in
      let sa = tensors[a]?.dtype.itemSize ?? 0
      let sb = tensors[b]?.dtype.itemSize ?? 0
      return sa != sb ? sa > sb : Self.utf8Less(a, b)
    }
    var offsets: [String: (Int, Int)] = [:]
    var position = 0
    for name in layout {
      guard let t = tensors[name] else { continue }
      let size = t.values.count * t.dtype.itemSize
      offsets[name] = (position, position + size)
      position += size
    }

    // Header: compact JSON, keys sorted by UTF-8 bytes at every level.
    var entries: [(key: String, json: String)] = []
    for name in layout {
      guard let t = tensors[name], let (begin, end) = offsets[name] else { continue }
      let shape = t.shape.map(String.init).joined(separator: ",")
      entries.append(
        (name, "{\"data_offsets\":[\(begin),\(end)],\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)]}"))
    }
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted(by: Self.utf8Less).map { key in
        Self.jsonString(key) + ":" + Self.jsonString(metadata[key] ?? "")
      }
      entries.append((Self.metadataKey, "{" + pairs.joined(separator: ",") + "}"))
    }
    entries.sort { Self.utf8Less($0.key, $1.key) }
    var header = Array(
      ("{" + entries.map { Self.jsonString($0.key) + ":" + $0.json }.joined(separator: ",") + "}").utf8)
    // Spaces (JSON whitespace) so the data buffer starts 8-byte aligned.
    header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)

    var out: [UInt8] = []
    out.reserveCapacity(8 + header.count + position)
    let length = UInt64(header.count)
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
    out += header
    for name in layout {
      guard let t = tensors[name] else { continue }
      switch t.dtype {
      case .f64:
        for v in t.values {
          let bits = v.bitPattern
          for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
        }
      case .f32:
        for v in t.values {
          let bits = Float(v).bitPattern
          for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(i)))) }
        }
      }
    }
    return out
  }

  /// A JSON string literal: quotes, backslashes and control characters
  /// escaped; everything else (including non-ASCII) written as UTF-8.
  static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  /// Byte-wise UTF-8 order (= code-point order, Python's `sort_keys`), not
  /// Swift's `<`, which compares canonical-equivalence-normalised strings:
  /// the canonical order must not depend on Unicode tables.
  static func utf8Less(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
  }

  /// Product of the extents (1 for a scalar), or -1 on overflow.
  static func elementCount(_ shape: [Int]) -> Int {
    var count = 1
    for n in shape {
      let (p, overflow) = count.multipliedReportingOverflow(by: n)
      if overflow { return -1 }
      count = p
    }
    return count
  }
}
