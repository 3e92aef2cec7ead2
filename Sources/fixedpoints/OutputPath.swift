import ArgumentParser
import Foundation
import Platform

/// Checks, before any work starts, every path a command will write, through
/// Platform's writers' own checks (the same rules they apply when writing):
/// the directory exists and is writable (access(2), so as root a read-only
/// directory passes, as it would for the write), and what is at the path is
/// missing or a regular file — never a directory, device, FIFO, socket or
/// symbolic link. A training run or a sweep that would only fail at the
/// end, when it writes, is refused up front with exit 2.
enum OutputPath {
  /// A single output file; "-" (stdout) always passes.
  static func validate(_ path: String, option: String) throws {
    guard !path.isEmpty else { throw ValidationError("\(option): the output path is empty") }
    do { try OutputFile.checkWritable(path) } catch let e as PlatformError {
      throw ValidationError("\(option): \(e)")
    }
  }

  /// An output directory that will receive files called `names`.
  static func validateDirectory(_ path: String, names: [String], option: String) throws {
    guard !path.isEmpty else { throw ValidationError("\(option): the output directory is empty") }
    do { try OutputDirectory.checkWritable(path, names: names) } catch let e as PlatformError {
      throw ValidationError("\(option): \(e)")
    }
  }
}
