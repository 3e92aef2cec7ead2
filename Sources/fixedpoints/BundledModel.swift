import ArgumentParser
import Foundation

/// Where the bundled default model lives: `Data/` in the working directory,
/// else next to the package this binary was built from.
enum BundledModel {
  static let defaultName = "Data/function-relu-noise-in.ckpt"

  static func defaultPath() throws -> String {
    let fm = FileManager.default
    var candidates = [defaultName]
    // …/Sources/fixedpoints/Analyze.swift → the package root.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(defaultName).path)
    if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) { return found }
    throw ValidationError("no checkpoint given and the bundled model \(defaultName) was not found; pass a .ckpt file")
  }
}
