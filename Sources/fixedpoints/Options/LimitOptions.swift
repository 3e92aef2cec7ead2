import ArgumentParser
import Foundation
import Platform

/// The memory limit of the commands that allocate in proportion to their
/// options or their input (ensembles, grids, checkpoints, results files).
/// Sizes are checked against it before anything is allocated.
struct LimitOptions: ParsableArguments {
  @Option(
    name: .customLong("max-memory"),
    help: "Memory a run may use, e.g. 512M or 8G (default: $\(MemoryBudget.environmentVariable), else half the physical memory).")
  var maxMemory: String?

  /// The budget, or a usage error naming --max-memory or the variable.
  func budget() throws -> MemoryBudget {
    do { return try MemoryBudget(maxMemory: maxMemory) } catch let e as PlatformError {
      throw ValidationError(ParameterFlags.message(e))
    }
  }
}
