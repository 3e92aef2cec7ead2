import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one writer for output files (STYLE.md, "One writer for every output file").
///
/// `write(_:to:)` never damages what is at the target unless it is a regular
/// file, and then replaces it in one step:
///
/// 1. `lstat` the target. Missing or a regular file: go on. Anything else —
///    a directory, a character or block device, a FIFO, a socket, or a
///    symbolic link — is refused with `PlatformError.notReplaceable`, and
///    left untouched.
///
///    Symbolic links are refused rather than resolved. `cp` writes through a
///    link to the file it names; a rename, which is how we replace
///    atomically, would instead replace the link itself. Either reading
///    surprises someone, and resolving would let whoever controls the link
///    choose which file we overwrite. Refusing is the safe choice; the user
///    can pass the resolved path.
/// 2. Create a temporary file beside the target (same directory, so the
///    rename cannot cross file systems) under a name with 64 random bits,
///    with `O_CREAT|O_EXCL|O_NOFOLLOW`: nothing planted in advance — a link,
///    a file — is ever opened. Mode 0666 masked by the umask, as for any
///    file the user makes.
/// 3. Write everything, `fsync`, close, `rename` over the target, `fsync`
///    the directory. Readers see the old file or the new, never a part.
/// 4. On any failure the temporary file is unlinked.
///
/// What remains: between the `lstat` and the `rename` another process could
/// put a device node at the target; `rename` would then replace that node.
/// Closing that window needs a rename that refuses non-regular targets,
/// which Linux does not have.
///
/// `-` means standard output.
public enum OutputFile {
  /// Standard output's name on the command line.
  public static let standardOutput = "-"

  public static func write(_ data: Data, to path: String) throws {
    if path == standardOutput {
      try FileSystem.writeAll(data, to: STDOUT_FILENO, path: "standard output")
      return
    }
    let dir = try checkTarget(path)
    let temp = try FileSystem.writeTemporary(data, in: dir, prefix: "." + FileSystem.baseName(of: path) + ".tmp-")
    if rename(temp, path) != 0 {
      let e = errno
      unlink(temp)
      // EISDIR etc.: the target changed into something we refuse since the check.
      if case .other(let kind) = try? FileSystem.entry(at: path) {
        throw PlatformError.notReplaceable(path: path, kind: kind)
      }
      throw PlatformError.system(operation: "cannot replace", path: path, errno: e)
    }
    FileSystem.syncDirectory(dir)
  }

  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }

  /// Validates `path` before any work, creating nothing: its directory
  /// exists and is writable, and the target is missing or a regular file.
  /// A long run that could only fail when it writes its result fails here.
  public static func checkWritable(_ path: String) throws {
    if path == standardOutput { return }
    _ = try checkTarget(path)
  }

  /// Checks the target and its directory; returns the directory.
  @discardableResult
  static func checkTarget(_ path: String) throws -> String {
    guard !path.isEmpty else { throw PlatformError.missingDirectory(path: "\"\"", directory: "\"\"") }
    if path.hasSuffix("/") {
      // "d/" names a directory whatever is there; lstat would follow it.
      throw PlatformError.notReplaceable(path: path, kind: "directory")
    }
    if case .other(let kind) = try FileSystem.entry(at: path) {
      throw PlatformError.notReplaceable(path: path, kind: kind)
    }
    let dir = FileSystem.directory(of: path)
    try FileSystem.checkDirectory(dir, for: path)
    return dir
  }
}
