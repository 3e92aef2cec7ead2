import Foundation

/// The header checks that make this reader exactly as strict as the
/// reference one (Python's safetensors, i.e. the Rust crate with serde_json).
extension SafetensorsFile {
  /// The header must be UTF-8 JSON as the reference reader parses it
  /// (`std::str::from_utf8`, then serde_json). JSONSerialization is more
  /// lenient: it skips a byte-order mark and guesses UTF-16 or UTF-32 from
  /// NUL bytes. A BOM, a NUL byte (never valid in UTF-8 JSON: control
  /// characters must be escaped inside strings) or invalid UTF-8 is refused
  /// before it gets the chance.
  static func checkEncoding(_ header: ArraySlice<UInt8>) throws(SafetensorsError) {
    if header.starts(with: [0xEF, 0xBB, 0xBF]) {
      throw .malformed("header starts with a UTF-8 byte-order mark; the header must be plain UTF-8 JSON")
    }
    if let i = header.firstIndex(of: 0) {
      throw .malformed("header has a NUL byte at offset \(i - header.startIndex); the header must be UTF-8 JSON")
    }
    guard String(validating: header, as: UTF8.self) != nil else {
      throw .malformed("header is not valid UTF-8")
    }
  }

  /// The nesting depth the reference reader accepts: serde_json's recursion
  /// limit leaves 127 levels of objects and arrays (measured with Python's
  /// safetensors 0.8: 127 parse, 128 do not).
  public static let maxNestingDepth = 127

  /// What serde_json refuses and JSONSerialization lets through, checked on
  /// JSON that JSONSerialization has already accepted (so only strings,
  /// brackets, commas and minus signs need tracking):
  ///
  /// - an object with two equal keys, anywhere (compared after unescaping,
  ///   so "\u005f_metadata__" equals "__metadata__"). JSONSerialization
  ///   keeps one of them without a word, and which is not specified, so such
  ///   a file could read differently here and in Python. Python refuses a
  ///   second __metadata__ and a repeated field of an entry, and keeps the
  ///   last of two equal tensor names or metadata keys; refusing those too
  ///   is stricter, never looser;
  /// - a comma before "}" or "]";
  /// - nesting deeper than `maxNestingDepth`;
  /// - the integer -0, which JSONSerialization reads as 0 (an offset of -0
  ///   is refused by Python; elsewhere it would be ignored, and refusing it
  ///   there is again only stricter).
  static func checkStrictJSON(_ header: ArraySlice<UInt8>) throws(SafetensorsError) {
    var stack: [(isObject: Bool, keys: Set<String>)] = []
    var expectKey = false
    var last: UInt8 = 0  // the last byte outside strings that is not whitespace
    var i = header.startIndex
    while i < header.endIndex {
      let c = header[i]
      switch c {
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        stack.append((c == UInt8(ascii: "{"), []))
        expectKey = c == UInt8(ascii: "{")
        if stack.count > maxNestingDepth {
          throw .malformed("header nests objects and arrays deeper than \(maxNestingDepth) levels")
        }
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        if last == UInt8(ascii: ",") {
          throw .malformed("header has a comma before '\(Character(Unicode.Scalar(c)))' (offset \(i - header.startIndex))")
        }
        _ = stack.popLast()
        expectKey = false
      case UInt8(ascii: ","):
        expectKey = stack.last?.isObject ?? false
      case UInt8(ascii: "-"):
        let next = i + 1 < header.endIndex ? header[i + 1] : 0
        let after = i + 2 < header.endIndex ? header[i + 2] : 0
        if next == UInt8(ascii: "0") && ![UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(after) {
          throw .malformed("header has the integer -0 (offset \(i - header.startIndex))")
        }
      case UInt8(ascii: "\""):
        let start = i
        i += 1
        while i < header.endIndex && header[i] != UInt8(ascii: "\"") {
          i += header[i] == UInt8(ascii: "\\") ? 2 : 1
        }
        if expectKey, !stack.isEmpty, i < header.endIndex {
          let literal = Data(header[start...i])
          let key = (try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed)) as? String ?? ""
          if !stack[stack.count - 1].keys.insert(key).inserted {
            let place = stack.count == 1 ? "in the header" : "in an object of the header"
            throw .malformed("duplicate key \(key.debugDescription) \(place); each key may appear once")
          }
        }
        expectKey = false
      default:
        break
      }
      if c != UInt8(ascii: " ") && c != UInt8(ascii: "\n") && c != UInt8(ascii: "\r") && c != UInt8(ascii: "\t") {
        last = c
      }
      i += 1
    }
  }
}
