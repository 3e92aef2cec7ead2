import ArgumentParser
import Foundation

/// Checks, before any work starts, that a file can be created at `path`:
/// its directory exists and is a directory. A training run or a sweep that
/// would only fail at the end, when it writes, is refused up front.
enum OutputPath {
  static func validate(_ path: String, option: String) throws {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw ValidationError("\(option): directory \(dir) does not exist")
    }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw ValidationError("\(option): \(path) is a directory")
    }
  }
}
