import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a set of named files into a directory, all or nothing.
///
/// The files are first written, each fsync'ed, into a fresh temporary
/// directory (random name, mode 0777 masked by the umask). Then:
///
/// - **The target does not exist**: the temporary directory is renamed to
///   it (`renameat2` with `RENAME_NOREPLACE`, so a directory that appeared
///   meanwhile is not replaced). Fully atomic: a reader sees no directory or
///   the complete one. The temporary directory sits beside the target, on
///   the same file system.
/// - **The target is an existing directory**: every name is checked up
///   front — each must be missing there or a regular file, else nothing is
///   written (`PlatformError.entryNotReplaceable`). The temporary directory
///   is made *inside* the target (the same file system even if the target
///   is a mount point), and each file is renamed into place. Each file is
///   replaced atomically; the set is not: a rename failing midway (another
///   process racing us, which the up-front check cannot rule out) leaves
///   the files before it new and those after it old, and the error says
///   which file failed. The temporary directory is removed either way.
/// - **Anything else** at the target (a file, a device, a symbolic link):
///   refused, untouched.
///
/// On any failure before the renames, the temporary directory and
/// everything in it are removed; the target is as it was.
public enum OutputDirectory {
  /// `files` in order; names are plain file names (no "/", not "." or "..").
  public static func write(_ files: [(name: String, data: Data)], to given: String) throws {
    let existing = try checkWritable(given, names: files.map(\.name))
    // "out/" names the directory "out": its parent and base name come from
    // the path without the slash.
    let path = trimmed(given)
    if existing {
      let temp = try FileSystem.createTemporaryDirectory(in: path, prefix: ".tmp-")
      defer { removeTree(temp) }
      try writeAll(files, into: temp)
      for (name, _) in files {
        let from = temp + "/" + name, to = path + "/" + name
        if rename(from, to) != 0 {
          throw PlatformError.system(operation: "cannot move \(name) into", path: path, errno: errno)
        }
      }
      FileSystem.syncDirectory(path)
    } else {
      let parent = FileSystem.directory(of: path)
      let temp = try FileSystem.createTemporaryDirectory(
        in: parent, prefix: "." + FileSystem.baseName(of: path) + ".tmp-")
      do {
        try writeAll(files, into: temp)
        try renameNoReplace(temp, path)
      } catch {
        removeTree(temp)
        throw error
      }
      FileSystem.syncDirectory(parent)
    }
  }

  /// Validates before any work, creating nothing; returns whether the
  /// target directory already exists.
  @discardableResult
  public static func checkWritable(_ path: String, names: [String]) throws -> Bool {
    var seen = Set<String>()
    for name in names {
      guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0"),
        seen.insert(name).inserted
      else { throw PlatformError.invalidName(name) }
    }
    let trimmed = trimmed(path)
    guard !trimmed.isEmpty else { throw PlatformError.missingDirectory(path: "\"\"", directory: "\"\"") }
    var st = stat()
    if lstat(trimmed, &st) != 0 {
      let e = errno
      guard e == ENOENT else { throw PlatformError.system(operation: "cannot inspect", path: path, errno: e) }
      try FileSystem.checkDirectory(FileSystem.directory(of: trimmed), for: path)
      return false
    }
    guard st.st_mode & S_IFMT == S_IFDIR else {
      throw PlatformError.notADirectory(path: path, kind: FileSystem.classify(st.st_mode).kind ?? "regular file")
    }
    guard access(trimmed, W_OK | X_OK) == 0 else { throw PlatformError.notWritable(path: path, directory: path) }
    for name in names {
      if case .other(let kind) = try FileSystem.entry(at: trimmed + "/" + name) {
        throw PlatformError.entryNotReplaceable(directory: path, name: name, kind: kind)
      }
    }
    return true
  }

  /// `path` without trailing slashes ("/" stays "/").
  static func trimmed(_ path: String) -> String {
    var p = path
    while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
    return p
  }

  private static func writeAll(_ files: [(name: String, data: Data)], into dir: String) throws {
    for (name, data) in files {
      let path = dir + "/" + name
      let fd = open(path, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0o666)
      guard fd >= 0 else { throw PlatformError.system(operation: "cannot create", path: path, errno: errno) }
      do {
        try FileSystem.writeAll(data, to: fd, path: path)
      } catch {
        close(fd)
        throw error
      }
      try FileSystem.syncAndClose(fd, path: path)
    }
    FileSystem.syncDirectory(dir)
  }

  /// rename(2) that fails if `to` exists (plain rename would replace an
  /// empty directory). Falls back to rename where the file system lacks
  /// RENAME_NOREPLACE.
  private static func renameNoReplace(_ from: String, _ to: String) throws {
    let noReplace: UInt32 = 1  // RENAME_NOREPLACE, <linux/fs.h>
    var rc: Int32 = -1
    if let renameat2 = Self.renameat2 {
      rc = renameat2(AT_FDCWD, from, AT_FDCWD, to, noReplace)
      if rc != 0 && (errno == EINVAL || errno == ENOSYS) { rc = rename(from, to) }
    } else {
      rc = rename(from, to)
    }
    if rc != 0 {
      let e = errno
      if e == EEXIST || e == ENOTEMPTY {
        throw PlatformError.notReplaceable(path: to, kind: "directory created while we wrote")
      }
      throw PlatformError.system(operation: "cannot create", path: to, errno: e)
    }
  }

  private typealias RenameAt2 = @convention(c) (
    Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32
  ) -> Int32

  /// glibc declares renameat2 only under _GNU_SOURCE, which Swift's Glibc
  /// module does not set; look the symbol up instead (glibc ≥ 2.28 has it).
  private static let renameat2: RenameAt2? = {
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else { return nil }
    return unsafeBitCast(symbol, to: RenameAt2.self)
  }()

  /// Removes a temporary directory we made and the plain files in it.
  private static func removeTree(_ dir: String) {
    if let names = try? FileManager.default.contentsOfDirectory(atPath: dir) {
      for name in names { unlink(dir + "/" + name) }
    }
    rmdir(dir)
  }
}
