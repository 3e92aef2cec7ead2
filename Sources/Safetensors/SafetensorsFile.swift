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
}
