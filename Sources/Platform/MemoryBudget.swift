import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How much memory one run may ask for, and the checks that sizes stay
/// inside it and inside `Int` (STYLE.md, "Sizes are checked before allocation").
///
/// The limit comes, in order, from the caller's `max_memory` setting, the
/// environment variable `FIXEDPOINTS_MAX_MEMORY`, or half the physical
/// memory. Sizes are bytes with an optional binary suffix: 512M, 2G, 1.5T.
public struct MemoryBudget: Sendable, Equatable {
  public static let environmentVariable = "FIXEDPOINTS_MAX_MEMORY"
  /// Used when the physical memory cannot be read.
  public static let fallbackLimit = 4 << 30

  /// Bytes.
  public var limit: Int
  /// Where the limit came from, for messages ("max_memory", the variable, "default").
  public var source: String

  public init(limit: Int, source: String = "max_memory") {
    self.limit = limit
    self.source = source
  }

  /// `maxMemory` is the caller's setting (nil when not given).
  public init(maxMemory: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    if let text = maxMemory {
      guard let bytes = Self.parse(text) else {
        throw PlatformError.invalidMemoryLimit(source: "max_memory", value: text)
      }
      self.init(limit: bytes, source: "max_memory")
    } else if let text = environment[Self.environmentVariable] {
      guard let bytes = Self.parse(text) else {
        throw PlatformError.invalidMemoryLimit(source: Self.environmentVariable, value: text)
      }
      self.init(limit: bytes, source: Self.environmentVariable)
    } else {
      self.init(limit: Self.defaultLimit, source: "default")
    }
  }

  /// Half the physical memory (room for the rest of the machine), and no
  /// more than the process's address-space limit (`ulimit -v`) allows.
  public static var defaultLimit: Int {
    let physical = physicalMemory.map { $0 / 2 } ?? fallbackLimit
    guard let space = addressSpaceLimit else { return physical }
    // The binary, its libraries and thread stacks take part of the space.
    return min(physical, space / 2)
  }

  /// getrlimit(RLIMIT_AS), nil when unlimited or unknown.
  public static var addressSpaceLimit: Int? {
    var r = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &r) == 0, r.rlim_cur != rlim_t.max else { return nil }
    return r.rlim_cur > UInt(Int.max) ? nil : Int(r.rlim_cur)
  }

  /// sysconf(_SC_PHYS_PAGES) × sysconf(_SC_PAGESIZE), nil if unknown.
  public static var physicalMemory: Int? {
    let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, size > 0 else { return nil }
    let (p, overflow) = pages.multipliedReportingOverflow(by: size)
    return overflow ? Int.max : p
  }

  /// Bytes from "1048576", "512K", "512M", "2G", "1.5T" (binary units;
  /// optional "B" or "iB"; case-insensitive). nil for anything else, for
  /// zero, negative, or more than Int.max bytes.
  public static func parse(_ text: String) -> Int? {
    var s = text.trimmingCharacters(in: .whitespaces).uppercased()
    if s.hasSuffix("IB") { s.removeLast(2) } else if s.hasSuffix("B") { s.removeLast() }
    var scale = 1.0
    if let last = s.last, let power = "KMGT".firstIndex(of: last) {
      scale = pow(1024, Double("KMGT".distance(from: "KMGT".startIndex, to: power) + 1))
      s.removeLast()
    }
    // Digits and at most one point only: no signs, exponents, "nan" or "inf".
    guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
      s.filter({ $0 == "." }).count <= 1, let value = Double(s)
    else { return nil }
    let bytes = (value * scale).rounded(.down)
    guard bytes >= 1, bytes < 0x1p63 else { return nil }
    return Int(bytes)
  }

  /// Throws `PlatformError.memory` when `bytes` exceeds the limit. `what`
  /// names the allocation and its size parameters: "the closure at N = 11585".
  public func require(bytes: Int, for what: String) throws {
    guard bytes <= limit else { throw PlatformError.memory(what: what, bytes: bytes, limit: limit) }
  }

  /// `require` for count × elementSize bytes, the product checked for overflow.
  public func require(count: Int, elementSize: Int, for what: String) throws {
    try require(bytes: Self.checkedProduct(count, elementSize, what: what), for: what)
  }

  /// The product of sizes, or a thrown `PlatformError.sizeOverflow` when it
  /// does not fit in an Int; a negative factor is an error too.
  public static func checkedProduct(_ factors: Int..., what: String = "size") throws -> Int {
    try checkedProduct(factors, what: what)
  }

  public static func checkedProduct(_ factors: [Int], what: String = "size") throws -> Int {
    var p = 1
    for f in factors {
      guard f >= 0 else { throw PlatformError.sizeOverflow(what: what, factors: factors) }
      let (q, overflow) = p.multipliedReportingOverflow(by: f)
      guard !overflow else { throw PlatformError.sizeOverflow(what: what, factors: factors) }
      p = q
    }
    return p
  }

  /// "~3.2 GB": decimal units (what `df -H` and disk labels use), two
  /// significant figures, "~" since the estimates behind it are rough.
  public static func format(bytes: Int) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
    var value = Double(bytes), i = 0
    while value >= 1000 && i < units.count - 1 {
      value /= 1000
      i += 1
    }
    if i == 0 { return "\(bytes) bytes" }
    let text = value < 10 ? String(format: "%.1f", value) : String(format: "%.0f", value)
    return "~\(text) \(units[i])"
  }
}
