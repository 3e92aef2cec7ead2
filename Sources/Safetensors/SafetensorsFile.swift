import Foundation

/// A safetensors file held in memory (DESIGN.md, "Numerical notes →
/// Safetensors"): named little-endian tensors plus a flat
/// string→string `__metadata__` map.
///
/// Layout: 8-byte little-endian UInt64 header length N, N bytes of UTF-8
/// JSON, then the data buffer. Each tensor entry is
/// `{"dtype": "F32"|"F64", "shape": [..], "data_offsets": [begin, end]}` with
/// offsets relative to the start of the data buffer.
///
/// Reading trusts nothing in the file: every length, count and offset is
/// checked against the file size (with overflow checks) before a byte of
/// tensor data is touched, and every problem is a thrown
/// `SafetensorsError.malformed` naming it. The rules are those of the
/// reference implementation (huggingface/safetensors, `Metadata::validate`):
/// tensors tile the data buffer exactly — sorted by offset they start at 0,
/// each begins where the previous one ends, and the last ends at the end of
/// the file — so that a file read here is also a file Python reads.
///
/// Writing is canonical, so equal content gives equal bytes: compact JSON
/// with keys sorted by their UTF-8 bytes (`__metadata__` among them, omitted
/// when empty), the header padded with spaces to a multiple of 8 bytes, and
/// the data laid out like the reference writer does — by decreasing element
/// size, then by name. For one-dtype files that is simply sorted-name order; with mixed dtypes it keeps every tensor aligned
/// to its element size (the reference writer's reason for the rule).
public struct SafetensorsFile: Sendable, Equatable {
  /// The element types read and written: F32 and F64. Other safetensors
  /// dtypes (F16, BF16, integers, …) are rejected by name on reading.
  public enum DType: String, Sendable, Equatable, CaseIterable {
    case f32 = "F32", f64 = "F64"

    /// Bytes per element.
    public var itemSize: Int {
      switch self {
      case .f32: return 4
      case .f64: return 8
      }
    }
  }

  /// One tensor: element type, shape (row-major, C order) and values.
  /// Values are held as Float64 whatever the dtype; F32 values are widened
  /// exactly on reading and rounded to the nearest Float on writing.
  public struct Tensor: Sendable, Equatable {
    public var dtype: DType
    public var shape: [Int]
    public var values: [Double]

    /// - Precondition: every extent is ≥ 0 and `values.count` is their
    ///   product (a programming error, not bad input: files are validated
    ///   by `decode` before a `Tensor` is built).
    public init(dtype: DType, shape: [Int], values: [Double]) {
      precondition(shape.allSatisfy { $0 >= 0 }, "SafetensorsFile.Tensor: negative extent in shape \(shape)")
      precondition(
        SafetensorsFile.elementCount(shape) == values.count,
        "SafetensorsFile.Tensor: \(values.count) values for shape \(shape)")
      self.dtype = dtype
      self.shape = shape
      self.values = values
    }
  }

  public var tensors: [String: Tensor]
  public var metadata: [String: String]

  public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The largest header accepted: the reference implementation's limit
  /// (100 MB). Checked before anything is allocated for the header, so a
  /// hostile length prefix cannot make the reader allocate gigabytes.
  public static let maxHeaderLength = 100_000_000

  /// The key of the metadata map inside the header.
  public static let metadataKey = "__metadata__"

  // MARK: - Reading

  /// Parses and validates a whole file.
  public static func decode(_ bytes: some Collection<UInt8>) throws(SafetensorsError) -> SafetensorsFile {
    let buffer = Array(bytes)
    let fileSize = buffer.count
    guard fileSize >= 8 else {
      throw .malformed("file is \(fileSize) bytes; a safetensors file starts with an 8-byte header length")
    }
    var declared: UInt64 = 0
    for i in 0..<8 { declared |= UInt64(buffer[i]) << (8 * UInt64(i)) }
    guard declared <= UInt64(maxHeaderLength) else {
      throw .malformed(
        "header length \(declared) exceeds the limit of \(maxHeaderLength) bytes (not a safetensors file?)")
    }
    let headerLength = Int(declared)  // ≤ 1e8: fits in Int
    guard headerLength <= fileSize - 8 else {
      throw .malformed(
        "header length \(headerLength) runs past the end of the file (\(fileSize) bytes, so at most \(fileSize - 8))")
    }
    let dataStart = 8 + headerLength
    let dataSize = fileSize - dataStart

    let headerBytes = buffer[8..<dataStart]
    try checkEncoding(headerBytes)
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: Data(headerBytes))
    } catch {
      let reason = (error as NSError).userInfo["NSDebugDescription"] as? String
      throw .malformed("header is not valid JSON" + (reason.map { " (\($0))" } ?? ""))
    }
    guard let header = object as? [String: Any] else {
      throw .malformed("header JSON is not an object")
    }
    // Duplicate keys, trailing commas, deep nesting, -0: see the function.
    try checkStrictJSON(headerBytes)

    let metadata = try parseMetadata(header[metadataKey])

    // Entries in sorted-name order, so that when several are bad the one
    // reported does not depend on dictionary order.
    var entries: [Entry] = []
    for name in header.keys.sorted(by: utf8Less) where name != metadataKey {
      entries.append(try Entry(name: name, json: header[name] as Any, dataSize: dataSize))
    }
    try checkTiling(entries, dataSize: dataSize)

    var tensors: [String: Tensor] = [:]
    buffer.withUnsafeBytes { raw in
      for e in entries {
        let base = dataStart + e.begin
        let values: [Double]
        switch e.dtype {
        case .f64:
          values = (0..<e.count).map { k in
            Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * k, as: UInt64.self)))
          }
        case .f32:
          values = (0..<e.count).map { k in
            Double(
              Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * k, as: UInt32.self))))
          }
        }
        tensors[e.name] = Tensor(dtype: e.dtype, shape: e.shape, values: values)
      }
    }
    return SafetensorsFile(tensors: tensors, metadata: metadata)
  }

  /// A validated header entry: everything needed to read the tensor, with
  /// `begin + count·itemSize == end ≤ dataSize` already checked.
  private struct Entry {
    var name: String
    var dtype: DType
    var shape: [Int]
    var count: Int
    var begin: Int
    var end: Int

    init(name: String, json: Any, dataSize: Int) throws(SafetensorsError) {
      guard let entry = json as? [String: Any] else {
        throw .malformed("tensor '\(name)': header entry is not an object")
      }
      guard let dtypeName = entry["dtype"] as? String else {
        throw .malformed("tensor '\(name)': missing or non-string \"dtype\"")
      }
      guard let dtype = DType(rawValue: dtypeName) else {
        let kind = SafetensorsFile.otherDTypes.contains(dtypeName) ? "dtype" : "unknown dtype"
        throw .malformed("tensor '\(name)' has \(kind) \(dtypeName); fixedpoints reads only F32 and F64")
      }
      guard let shapeJSON = entry["shape"] as? [Any] else {
        throw .malformed("tensor '\(name)': missing \"shape\" (an array of non-negative integers)")
      }
      var shape: [Int] = []
      for extent in shapeJSON {
        guard let n = SafetensorsFile.jsonInteger(extent), n >= 0 else {
          throw .malformed("tensor '\(name)': shape entry \(extent) is not a non-negative integer")
        }
        shape.append(n)
      }
      guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
        let begin = SafetensorsFile.jsonInteger(offsets[0]), let end = SafetensorsFile.jsonInteger(offsets[1]),
        begin >= 0, end >= 0
      else {
        throw .malformed("tensor '\(name)': \"data_offsets\" must be [begin, end], two non-negative integers")
      }
      guard begin <= end else {
        throw .malformed("tensor '\(name)': data_offsets [\(begin), \(end)] end before they begin")
      }
      guard end <= dataSize else {
        throw .malformed(
          "tensor '\(name)': data_offsets [\(begin), \(end)] run past the end of the data buffer "
            + "(\(dataSize) bytes; is the file truncated?)")
      }
      // Element and byte counts with overflow checks: a hostile shape like
      // [2^40, 2^40] must be an error, not a trap.
      var count = 1
      for n in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: n)
        guard !overflow else {
          throw .malformed("tensor '\(name)': shape \(shape) has too many elements (overflow)")
        }
        count = product
      }
      let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
      guard !overflow, bytes == end - begin else {
        throw .malformed(
          "tensor '\(name)': shape \(shape) of \(dtype.rawValue) needs "
            + (overflow ? "more bytes than fit in memory" : "\(bytes) bytes")
            + ", but data_offsets [\(begin), \(end)] span \(end - begin)")
      }
      self.name = name
      self.dtype = dtype
      self.shape = shape
      self.count = count
      self.begin = begin
      self.end = end
    }
  }

  /// The reference reader's rule: sorted by offset, the tensors start at 0,
  /// follow each other without gap or overlap, and end at the end of the
  /// file. Rejecting what Python rejects keeps "fixedpoints reads it" and
  /// "safetensors reads it" the same statement.
  private static func checkTiling(_ entries: [Entry], dataSize: Int) throws(SafetensorsError) {
    let ordered = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var position = 0
    var previous: String?
    for e in ordered {
      if e.begin > position {
        throw .malformed(
          "gap of \(e.begin - position) bytes in the data buffer before tensor '\(e.name)' "
            + "(tensors must be contiguous)")
      }
      if e.begin < position, let previous {
        throw .malformed("tensors '\(previous)' and '\(e.name)' overlap in the data buffer")
      }
      position = e.end
      previous = e.name
    }
    if position != dataSize {
      throw .malformed(
        "data buffer has \(dataSize - position) bytes after the last tensor (\(dataSize) bytes, tensors cover \(position))"
      )
    }
  }

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

  private static func parseMetadata(_ json: Any?) throws(SafetensorsError) -> [String: String] {
    // Absent or null (the reference reader's `Option`) means no metadata.
    guard let json, !(json is NSNull) else { return [:] }
    guard let object = json as? [String: Any] else {
      throw .malformed("\(metadataKey) is not an object of strings")
    }
    var metadata: [String: String] = [:]
    for (key, value) in object {
      guard let string = value as? String else {
        throw .malformed(
          "\(metadataKey) value of '\(key)' is not a string (got \(value)); safetensors metadata is string→string")
      }
      metadata[key] = string
    }
    return metadata
  }

  /// An integer JSON number, or nil. JSONSerialization hands back NSNumber
  /// for numbers and booleans alike (and `1 as? Bool` succeeds on Linux),
  /// so the ObjC type code tells them apart: booleans ("c"/"B") and
  /// floating-point numbers ("d"/"f", even 3.0 — the reference reader's
  /// usize rejects those too) are not integers; neither is anything beyond
  /// Int.max.
  static func jsonInteger(_ value: Any) -> Int? {
    guard let number = value as? NSNumber else { return nil }
    let code = String(cString: number.objCType)
    guard !["c", "B", "d", "f"].contains(code) else { return nil }
    return value as? Int
  }

  /// The other dtype names of the safetensors format, so that a file using
  /// one gets "has dtype F16" rather than "unknown dtype".
  static let otherDTypes: Set<String> = [
    "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "I16", "U16", "F16", "BF16", "I32", "U32", "I64",
    "U64", "C64",
  ]

  // MARK: - Writing

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

/// Why bytes are not a safetensors file this reader accepts. The message
/// names the problem in one line (which tensor, which offsets, how many
/// bytes), so a caller can wrap it in its own error as is.
public enum SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
  /// Length prefix, JSON header, dtype, shape, offsets or tiling is wrong.
  case malformed(String)

  public var description: String {
    switch self {
    case .malformed(let m): return "malformed safetensors file: \(m)"
    }
  }
}
