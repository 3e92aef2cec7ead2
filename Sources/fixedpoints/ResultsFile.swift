import ArgumentParser
import Foundation
import Platform
import Training

/// Reads a paradox/merge results file for `merge` and `mechanism`: its size
/// checked against the memory budget before it is read (the file is held,
/// then decoded), and any decoding problem named with the path.
enum ResultsFile {
  static func read(_ path: String, budget: MemoryBudget) throws -> ParadoxResults {
    if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int {
      do { try budget.require(count: size, elementSize: 4, for: "reading \(path) (\(size) bytes)") } catch let e as PlatformError {
        throw ValidationError(ParameterFlags.message(e))
      }
    }
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    do { return try ParadoxResults.decode(from: data) } catch {
      throw ValidationError("\(path) is not a paradox results file: \(error)")
    }
  }
}
