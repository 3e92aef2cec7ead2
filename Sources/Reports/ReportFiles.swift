import Foundation

/// A report's files, each rendered to text before anything is written.
public typealias RenderedFile = (name: String, contents: String)

/// Failure to write a report's files; the message names the path.
public enum ReportWriteError: Error, CustomStringConvertible, Sendable {
  case createDirectory(path: String, reason: String)
  case writeFile(path: String, reason: String)

  public var description: String {
    switch self {
    case .createDirectory(let path, let reason): return "cannot create directory \(path): \(reason)"
    case .writeFile(let path, let reason): return "cannot write \(path): \(reason)"
    }
  }
}

/// The one place that puts a set of rendered files on disk (`analyze --out`),
/// so the writer can be replaced without touching any report.
public enum ReportFiles {
  /// Creates `dir` if missing and writes every file into it, each
  /// atomically (temporary file beside it, then a rename).
  public static func write(_ files: [RenderedFile], to dir: String) throws(ReportWriteError) {
    do {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
      throw .createDirectory(path: dir, reason: error.localizedDescription)
    }
    for file in files {
      try writeAtomically(file.contents, to: (dir as NSString).appendingPathComponent(file.name))
    }
  }

  /// A temporary file in the same directory, then a rename, so an error
  /// never leaves a partial file.
  static func writeAtomically(_ text: String, to path: String) throws(ReportWriteError) {
    let url = URL(fileURLWithPath: path)
    let temp = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    do {
      try Data(text.utf8).write(to: temp)
      if FileManager.default.fileExists(atPath: url.path) {
        _ = try FileManager.default.replaceItemAt(url, withItemAt: temp)
      } else {
        try FileManager.default.moveItem(at: temp, to: url)
      }
    } catch {
      try? FileManager.default.removeItem(at: temp)
      throw .writeFile(path: path, reason: error.localizedDescription)
    }
  }
}
