import ArgumentParser
import Foundation

/// Which jobs of a sweep's grid this process runs (--shard k/n) and how many
/// at once (--threads; the old name --jobs is accepted and not shown).
/// Results do not depend on either.
struct SweepExecutionOptions: ParsableArguments {
  @Option(help: "Run one slice of the grid: k/n (1 <= k <= n).")
  var shard: String?

  @Option(help: "Jobs trained at once, one per thread (default: the cores; results do not depend on it).")
  var threads: Int?

  /// The old name of --threads, accepted and not shown.
  @Option(name: .customLong("jobs"), help: .hidden)
  var oldJobs: Int?

  var workers: Int { threads ?? oldJobs ?? ProcessInfo.processInfo.activeProcessorCount }

  var parsedShard: (k: Int, n: Int) {
    get throws {
      guard let shard else { return (1, 1) }
      let parts = shard.split(separator: "/").map { Int($0) }
      guard parts.count == 2, let k = parts[0], let n = parts[1], n >= 1, (1...n).contains(k) else {
        throw ValidationError("--shard must be k/n with 1 <= k <= n, got '\(shard)'")
      }
      return (k, n)
    }
  }

  /// Called from `paradox`'s `validate()`, after its grid checks.
  func check() throws {
    try checkRenamed(threads, oldJobs, current: "--threads", old: "--jobs")
    guard workers >= 1 else { throw ValidationError("--threads must be at least 1, got \(workers)") }
    _ = try parsedShard
  }
}
