import Foundation

/// What went wrong talking to the operating system, said so that a user can
/// act on it. Cases name the path or the parameter, never a command-line flag
/// (the CLI maps parameters to flags).
public enum PlatformError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The target exists and is not something we may replace (a directory, a
  /// device, a socket, a FIFO, a symbolic link).
  case notReplaceable(path: String, kind: String)
  /// The directory that would hold the output does not exist or is not a directory.
  case missingDirectory(path: String, directory: String)
  /// The directory exists but this process may not create files in it.
  case notWritable(path: String, directory: String)
  /// A system call failed; `operation` says what we were doing.
  case system(operation: String, path: String, errno: Int32)
  /// A name inside an output directory that cannot be a plain file name.
  case invalidName(String)
  /// Writing a set of files: `name` already exists in the target directory
  /// and is not a regular file.
  case entryNotReplaceable(directory: String, name: String, kind: String)
  /// An output directory's path names something else (a file, a device…).
  case notADirectory(path: String, kind: String)
  /// A memory estimate above the budget.
  case memory(what: String, bytes: Int, limit: Int)
  /// A size product that does not fit in an Int.
  case sizeOverflow(what: String, factors: [Int])
  /// A memory-limit setting that could not be read.
  case invalidMemoryLimit(source: String, value: String)
  /// A quantity that must be finite was NaN or infinite.
  case nonFinite(stage: String, quantity: String, value: Double, index: Int?)

  public var description: String {
    switch self {
    case .notReplaceable(let path, let kind):
      return "refusing to write \(path): it exists and is a \(kind); give the path of a regular file"
    case .missingDirectory(let path, let directory):
      return "cannot write \(path): directory \(directory) does not exist"
    case .notWritable(let path, let directory):
      return "cannot write \(path): directory \(directory) is not writable"
    case .system(let operation, let path, let code):
      return "\(operation) \(path): \(String(cString: strerror(code)))"
    case .invalidName(let name):
      return "\"\(name)\" is not a valid file name inside an output directory"
    case .notADirectory(let path, let kind):
      return "refusing to write into \(path): it exists and is a \(kind); give a directory (existing or new)"
    case .entryNotReplaceable(let directory, let name, let kind):
      return "refusing to write \(directory)/\(name): it exists and is a \(kind); nothing was written"
    case .memory(let what, let bytes, let limit):
      return "\(what) needs \(MemoryBudget.format(bytes: bytes)), above the memory limit of "
        + "\(MemoryBudget.format(bytes: limit)); raise the limit (max_memory, or \(MemoryBudget.environmentVariable)) "
        + "or reduce the size"
    case .sizeOverflow(let what, let factors):
      return "\(what): the size \(factors.map(String.init).joined(separator: " × ")) does not fit in 64 bits"
    case .invalidMemoryLimit(let source, let value):
      return "\(source): \"\(value)\" is not a memory size; give bytes with an optional K, M, G or T suffix (e.g. 512M)"
    case .nonFinite(let stage, let quantity, let value, let index):
      let at = index.map { " at index \($0)" } ?? ""
      return "\(stage): \(quantity) is \(value)\(at); the computation left the range of double precision"
    }
  }
}
