import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Small wrappers over the system calls the writers share. Internal: the
/// public surface is `OutputFile` and `OutputDirectory`.
enum FileSystem {
  /// What is at `path`, without following a final symbolic link.
  enum Entry: Equatable {
    case missing
    case regular
    case other(kind: String)

    var kind: String? {
      if case .other(let k) = self { return k }
      return nil
    }
  }

  static func entry(at path: String) throws -> Entry {
    var st = stat()
    if lstat(path, &st) != 0 {
      let e = errno
      if e == ENOENT { return .missing }
      // ENOTDIR: a parent component is a file; the caller's directory
      // check reports that more usefully.
      if e == ENOTDIR { return .missing }
      throw PlatformError.system(operation: "cannot inspect", path: path, errno: e)
    }
    return classify(st.st_mode)
  }

  static func classify(_ mode: mode_t) -> Entry {
    switch mode & S_IFMT {
    case S_IFREG: return .regular
    case S_IFDIR: return .other(kind: "directory")
    case S_IFLNK: return .other(kind: "symbolic link")
    case S_IFCHR: return .other(kind: "character device")
    case S_IFBLK: return .other(kind: "block device")
    case S_IFIFO: return .other(kind: "FIFO")
    case S_IFSOCK: return .other(kind: "socket")
    default: return .other(kind: "special file")
    }
  }

  /// The directory part of `path` ("." for a bare name, "/" for "/name").
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let dir = String(path[..<slash])
    return dir.isEmpty ? "/" : dir
  }

  /// The last component of `path`.
  static func baseName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// The directory that will hold `path` must exist (following symbolic
  /// links: a linked directory is an ordinary place to write) and be writable.
  static func checkDirectory(_ dir: String, for path: String) throws {
    var st = stat()
    guard stat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
      throw PlatformError.missingDirectory(path: path, directory: dir)
    }
    guard access(dir, W_OK | X_OK) == 0 else {
      throw PlatformError.notWritable(path: path, directory: dir)
    }
  }

  /// A name no one can predict: 64 bits from the system generator
  /// (getrandom on Linux), so a link planted in advance cannot be hit.
  static func randomSuffix() -> String {
    var g = SystemRandomNumberGenerator()
    let n = g.next() as UInt64
    let hex = String(n, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Creates a new file at a fresh unpredictable name in `dir`; returns
  /// its descriptor and path. O_EXCL|O_NOFOLLOW: never opens something that
  /// is already there, link or not. Mode 0666 is masked by the umask, as
  /// for any file the user creates (mkstemp's 0600 would need an fchmod).
  static func createTemporaryFile(in dir: String, prefix: String) throws -> (fd: Int32, path: String) {
    for _ in 0..<16 {
      let path = dir + "/" + prefix + randomSuffix()
      let fd = open(path, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0o666)
      if fd >= 0 { return (fd, path) }
      let e = errno
      if e == EEXIST { continue }
      throw PlatformError.system(operation: "cannot create a temporary file in", path: dir, errno: e)
    }
    throw PlatformError.system(operation: "cannot create a temporary file in", path: dir, errno: EEXIST)
  }

  /// Creates a new directory at a fresh unpredictable name in `dir`, mode
  /// 0777 masked by the umask (mkdtemp's 0700 would be wrong for an output).
  static func createTemporaryDirectory(in dir: String, prefix: String) throws -> String {
    for _ in 0..<16 {
      let path = dir + "/" + prefix + randomSuffix()
      if mkdir(path, 0o777) == 0 { return path }
      let e = errno
      if e == EEXIST { continue }
      throw PlatformError.system(operation: "cannot create a temporary directory in", path: dir, errno: e)
    }
    throw PlatformError.system(operation: "cannot create a temporary directory in", path: dir, errno: EEXIST)
  }

  /// Writes all of `data` to `fd`, retrying short writes and EINTR.
  static func writeAll(_ data: Data, to fd: Int32, path: String) throws {
    try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
      guard var p = buffer.baseAddress else { return }
      var left = buffer.count
      while left > 0 {
        let n = Glibc.write(fd, p, left)
        if n < 0 {
          let e = errno
          if e == EINTR { continue }
          throw PlatformError.system(operation: "cannot write", path: path, errno: e)
        }
        p += n
        left -= n
      }
    }
  }

  /// fsync, then close; both checked (a deferred write error surfaces at either).
  static func syncAndClose(_ fd: Int32, path: String) throws {
    if fsync(fd) != 0 {
      let e = errno
      close(fd)
      throw PlatformError.system(operation: "cannot flush", path: path, errno: e)
    }
    if close(fd) != 0 {
      throw PlatformError.system(operation: "cannot close", path: path, errno: errno)
    }
  }

  /// Makes a directory's entries durable (a rename into it, a new file).
  /// Best effort: some file systems refuse fsync on directories.
  static func syncDirectory(_ dir: String) {
    let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
      _ = fsync(fd)
      close(fd)
    }
  }

  /// Writes one file to a new temporary name in `dir`; returns that path.
  /// On failure nothing is left behind.
  static func writeTemporary(_ data: Data, in dir: String, prefix: String) throws -> String {
    let (fd, path) = try createTemporaryFile(in: dir, prefix: prefix)
    do {
      try writeAll(data, to: fd, path: path)
    } catch {
      close(fd)
      unlink(path)
      throw error
    }
    do {
      try syncAndClose(fd, path: path)
    } catch {
      unlink(path)
      throw error
    }
    return path
  }
}
