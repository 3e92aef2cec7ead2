import ArgumentParser
import CTRNN
import Foundation
import Platform
import Reports
import Training

/// `paradox --keep DIR`: the directory every trained network goes into.
enum KeepDirectory {
  /// DIR exists and is a writable directory, or can be created: its nearest
  /// existing ancestor is a writable directory. Checked before any training.
  static func validate(_ path: String) throws {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw ValidationError("--keep: \(path) exists and is not a directory") }
      guard access(path, W_OK | X_OK) == 0 else { throw ValidationError("--keep: directory \(path) is not writable") }
      return
    }
    var ancestor = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
    while !fm.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), ancestor.path != "/" {
      ancestor.deleteLastPathComponent()
    }
    guard isDirectory.boolValue else { throw ValidationError("--keep: cannot create \(path): \(ancestor.path) is not a directory") }
    guard access(ancestor.path, W_OK | X_OK) == 0 else {
      throw ValidationError("--keep: cannot create \(path): \(ancestor.path) is not writable")
    }
  }

  static func create(_ path: String) throws {
    do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
      throw ValidationError("--keep: cannot create \(path): \(error.localizedDescription)")
    }
  }

  /// The one place kept networks are written: `<stem>.ckpt` (atomically, by
  /// Platform's one writer) and `<stem>.json`, its measured curve.
  /// Returns the checkpoint's file name.
  static func write(_ kept: KeptNetwork, into directory: String) throws -> String {
    let dir = URL(fileURLWithPath: directory)
    let name = kept.job.fileStem + ".ckpt"
    try kept.checkpoint.write(to: dir.appendingPathComponent(name))
    try OutputFile.write(try JSONOutput.string(kept.curve) + "\n", to: dir.appendingPathComponent(kept.job.fileStem + ".json").path)
    return name
  }
}
