import Foundation
import Platform

/// A report's files, each rendered to text before anything is written.
public typealias RenderedFile = (name: String, contents: String)

/// The one place that puts a set of rendered files on disk (`analyze --out`),
/// through `Platform.OutputDirectory`: all of them or none. A missing
/// directory appears complete in one rename; into an existing one each file
/// is replaced atomically, after every name was checked to be missing or a
/// regular file. Errors are `PlatformError`s naming the path.
public enum ReportFiles {
  public static func write(_ files: [RenderedFile], to dir: String) throws {
    try OutputDirectory.write(files.map { (name: $0.name, data: Data($0.contents.utf8)) }, to: dir)
  }

  /// Checks, creating nothing, that `write` could put files called `names`
  /// into `dir`: run before any work so a long analysis cannot fail at its end.
  public static func checkWritable(_ dir: String, names: [String]) throws {
    try OutputDirectory.checkWritable(dir, names: names)
  }
}
