import Foundation
import XCTest

@testable import Platform

#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory per test, removed afterwards.
class TemporaryDirectoryTestCase: XCTestCase {
  var dir = ""

  override func setUpWithError() throws {
    let base = FileManager.default.temporaryDirectory.path + "/platform-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: false)
    dir = base
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: dir)
  }

  func contents(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
  }

  func read(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
  }
}

final class OutputFileTests: TemporaryDirectoryTestCase {
  func testWritesNewFileAndReplacesRegularFile() throws {
    let path = dir + "/out.txt"
    try OutputFile.write("first", to: path)
    XCTAssertEqual(read(path), "first")
    try OutputFile.write("second", to: path)
    XCTAssertEqual(read(path), "second")
    XCTAssertEqual(contents(dir), ["out.txt"], "no temporary file left")
  }

  func testRefusesDirectoryAndLeavesContentIntact() throws {
    let target = dir + "/d"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
    try "keep".write(toFile: target + "/inside", atomically: false, encoding: .utf8)
    for path in [target, target + "/"] {
      XCTAssertThrowsError(try OutputFile.write("x", to: path)) { error in
        guard case PlatformError.notReplaceable(_, "directory") = error else { return XCTFail("\(error)") }
        XCTAssertTrue("\(error)".contains(path), "the message names the path")
      }
      XCTAssertThrowsError(try OutputFile.checkWritable(path))
    }
    XCTAssertEqual(read(target + "/inside"), "keep")
    XCTAssertEqual(contents(dir), ["d"])
  }

  func testRefusesFIFOAndLeavesIt() throws {
    let fifo = dir + "/pipe"
    XCTAssertEqual(mkfifo(fifo, 0o600), 0)
    XCTAssertThrowsError(try OutputFile.write("x", to: fifo)) { error in
      guard case PlatformError.notReplaceable(_, "FIFO") = error else { return XCTFail("\(error)") }
    }
    XCTAssertThrowsError(try OutputFile.checkWritable(fifo))
    var st = stat()
    XCTAssertEqual(lstat(fifo, &st), 0)
    XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "the FIFO is still there")
    XCTAssertEqual(contents(dir), ["pipe"])
  }

  func testRefusesSymlinkAndLeavesPointeeUntouched() throws {
    let pointee = dir + "/victim", link = dir + "/out"
    try "precious".write(toFile: pointee, atomically: false, encoding: .utf8)
    XCTAssertEqual(symlink(pointee, link), 0)
    XCTAssertThrowsError(try OutputFile.write("x", to: link)) { error in
      guard case PlatformError.notReplaceable(_, "symbolic link") = error else { return XCTFail("\(error)") }
    }
    XCTAssertEqual(read(pointee), "precious")
    var st = stat()
    XCTAssertEqual(lstat(link, &st), 0)
    XCTAssertEqual(st.st_mode & S_IFMT, S_IFLNK, "the link itself is not replaced either")
    // A dangling link (the classic plant) is refused too, and nothing is created through it.
    let dangling = dir + "/dangling", wouldBe = dir + "/created-through-link"
    XCTAssertEqual(symlink(wouldBe, dangling), 0)
    XCTAssertThrowsError(try OutputFile.write("x", to: dangling))
    XCTAssertFalse(FileManager.default.fileExists(atPath: wouldBe))
  }

  func testTemporaryNamesAreUnpredictable() {
    // 64 random bits: two draws colliding would mean the generator is broken.
    let names = Set((0..<100).map { _ in FileSystem.randomSuffix() })
    XCTAssertEqual(names.count, 100)
    XCTAssertTrue(names.allSatisfy { $0.count == 16 })
  }

  func testPermissionsFollowUmask() throws {
    for mask: mode_t in [0o022, 0o077] {
      let old = umask(mask)
      defer { umask(old) }
      let path = dir + "/perm-\(mask)"
      try OutputFile.write("x", to: path)
      var st = stat()
      XCTAssertEqual(stat(path, &st), 0)
      XCTAssertEqual(st.st_mode & 0o777, 0o666 & ~mask)
    }
  }

  func testMissingDirectoryIsRefusedUpFront() {
    let path = dir + "/no/such/out.txt"
    XCTAssertThrowsError(try OutputFile.checkWritable(path)) { error in
      guard case PlatformError.missingDirectory(_, let d) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(d, dir + "/no/such")
    }
    XCTAssertThrowsError(try OutputFile.write("x", to: path))
  }

  func testCheckWritableCreatesNothing() throws {
    try OutputFile.checkWritable(dir + "/later.txt")
    XCTAssertEqual(contents(dir), [])
  }

  func testDashIsStandardOutput() throws {
    // Point fd 1 at a file for the duration, then restore it.
    let path = dir + "/captured"
    let fd = open(path, O_CREAT | O_WRONLY, 0o600)
    XCTAssertGreaterThanOrEqual(fd, 0)
    fflush(nil)
    let saved = dup(STDOUT_FILENO)
    dup2(fd, STDOUT_FILENO)
    let result = Result { try OutputFile.write("to stdout\n", to: "-") }
    dup2(saved, STDOUT_FILENO)
    close(saved)
    close(fd)
    try result.get()
    XCTAssertEqual(read(path), "to stdout\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/-"), "no file named -")
    XCTAssertNoThrow(try OutputFile.checkWritable("-"))
  }
}

final class OutputDirectoryTests: TemporaryDirectoryTestCase {
  let files: [(name: String, data: Data)] = [("a.json", Data("A".utf8)), ("b.csv", Data("B".utf8))]

  func testCreatesNewDirectoryWithAllFiles() throws {
    let target = dir + "/results"
    try OutputDirectory.write(files, to: target)
    XCTAssertEqual(contents(target), ["a.json", "b.csv"])
    XCTAssertEqual(read(target + "/b.csv"), "B")
    XCTAssertEqual(contents(dir), ["results"], "no temporary directory left")
    var st = stat()
    XCTAssertEqual(stat(target, &st), 0)
    let mask = umask(0o022)
    umask(mask)
    XCTAssertEqual(st.st_mode & 0o777, 0o777 & ~mask, "a normal directory, not mkdtemp's 0700")
  }

  func testReplacesFilesInExistingDirectoryAndKeepsOthers() throws {
    let target = dir + "/results"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
    try "old".write(toFile: target + "/a.json", atomically: false, encoding: .utf8)
    try "mine".write(toFile: target + "/notes", atomically: false, encoding: .utf8)
    try OutputDirectory.write(files, to: target)
    XCTAssertEqual(contents(target), ["a.json", "b.csv", "notes"])
    XCTAssertEqual(read(target + "/a.json"), "A")
    XCTAssertEqual(read(target + "/notes"), "mine")
  }

  func testCollisionWithDirectoryWritesNothing() throws {
    let target = dir + "/results"
    try FileManager.default.createDirectory(atPath: target + "/b.csv", withIntermediateDirectories: true)
    try "old".write(toFile: target + "/a.json", atomically: false, encoding: .utf8)
    XCTAssertThrowsError(try OutputDirectory.write(files, to: target)) { error in
      guard case PlatformError.entryNotReplaceable(_, "b.csv", "directory") = error else { return XCTFail("\(error)") }
    }
    XCTAssertEqual(read(target + "/a.json"), "old", "the first file was not replaced")
    XCTAssertEqual(contents(target), ["a.json", "b.csv"], "no temporary directory inside")
    XCTAssertEqual(contents(dir), ["results"], "none beside")
  }

  func testTargetThatIsAFileOrLinkIsRefused() throws {
    let file = dir + "/plain"
    try "x".write(toFile: file, atomically: false, encoding: .utf8)
    XCTAssertThrowsError(try OutputDirectory.write(files, to: file))
    let real = dir + "/real"
    try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: false)
    XCTAssertEqual(symlink(real, dir + "/link"), 0)
    XCTAssertThrowsError(try OutputDirectory.write(files, to: dir + "/link"))
    XCTAssertEqual(contents(real), [])
    XCTAssertEqual(contents(dir), ["link", "plain", "real"])
  }

  func testBadNamesAreRefused() {
    for bad in ["", ".", "..", "x/y"] {
      XCTAssertThrowsError(try OutputDirectory.write([(bad, Data())], to: dir + "/r"))
    }
    XCTAssertThrowsError(try OutputDirectory.write([("a", Data()), ("a", Data())], to: dir + "/r"), "duplicates")
    XCTAssertEqual(contents(dir), [])
  }

  func testFailureMidwayRemovesTemporaryDirectory() throws {
    // The second name is longer than NAME_MAX: the first file is already in
    // the temporary directory when creating the second fails (as root too).
    let long = String(repeating: "n", count: 300)
    let target = dir + "/results"
    XCTAssertThrowsError(try OutputDirectory.write([("a", Data("A".utf8)), (long, Data())], to: target))
    XCTAssertEqual(contents(dir), [], "neither the target nor the temporary directory")
  }

  /// "results/" is the directory "results": created beside it, not inside
  /// a directory that does not exist yet.
  func testTrailingSlashNamesTheDirectory() throws {
    try OutputDirectory.write(files, to: dir + "/results/")
    XCTAssertEqual(contents(dir + "/results"), ["a.json", "b.csv"])
    XCTAssertEqual(contents(dir), ["results"], "no temporary directory left")
    try OutputDirectory.write(files, to: dir + "/results//")
    XCTAssertEqual(contents(dir + "/results"), ["a.json", "b.csv"])
  }

  /// A parent that does not exist is an error before anything is made:
  /// output directories are not created recursively.
  func testMissingParentIsRefusedUpFront() {
    XCTAssertThrowsError(try OutputDirectory.checkWritable(dir + "/no/results", names: ["a"])) { e in
      XCTAssertEqual(e as? PlatformError, .missingDirectory(path: dir + "/no/results", directory: dir + "/no"))
    }
    XCTAssertThrowsError(try OutputDirectory.write(files, to: dir + "/no/results"))
    XCTAssertEqual(contents(dir), [])
  }

  /// Writability is access(2)'s answer. Root may write anywhere, so the
  /// check (rightly) passes for root and this test only means something
  /// for another user.
  func testReadOnlyDirectoryIsRefusedUpFront() throws {
    if geteuid() == 0 { throw XCTSkip("running as root: permission bits do not stop root's writes") }
    let ro = dir + "/ro"
    try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: false)
    XCTAssertEqual(chmod(ro, 0o555), 0)
    defer { chmod(ro, 0o755) }
    XCTAssertThrowsError(try OutputDirectory.checkWritable(ro, names: ["a"])) { e in
      XCTAssertEqual(e as? PlatformError, .notWritable(path: ro, directory: ro))
    }
    XCTAssertThrowsError(try OutputFile.checkWritable(ro + "/m.ckpt")) { e in
      XCTAssertEqual(e as? PlatformError, .notWritable(path: ro + "/m.ckpt", directory: ro))
    }
    XCTAssertEqual(contents(ro), [])
  }

}
