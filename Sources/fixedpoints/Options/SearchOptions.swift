import ArgumentParser
import CTRNN

/// The fixed-point search's options (`analyze`): where it starts, when it
/// stops, and the noise of its sampling runs; `search(seed:)` is the
/// library's `FixedPointSearch` with them.
struct SearchOptions: ParsableArguments {
  @Option(help: "Random starts of the fixed-point search's first batch.")
  var starts = 24

  @Option(name: .customLong("search-runs"), help: "Runs of the map per sampled batch of the fixed-point search (0: the first batch alone).")
  var searchRuns = FixedPointSearch().runsPerBatch

  @Option(name: .customLong("search-patience"), help: "Stop the fixed-point search after this many batches without a new point.")
  var searchPatience = FixedPointSearch().patience

  @Option(name: .customLong("max-starts"), help: "Budget of Newton starts of the fixed-point search.")
  var maxStarts = FixedPointSearch().maxStarts

  @Option(name: .customLong("sampling-sigma"), help: "Noise of the fixed-point search's noisy runs.")
  var samplingSigma = FixedPointSearch().samplingSigma

  func validate() throws {
    // A time bound: each start is a Newton solve of O(N³).
    guard (0...10_000).contains(starts) else { throw ValidationError("--starts must be in 0...10000, got \(starts)") }
    guard searchRuns >= 0 else { throw ValidationError("--search-runs must be >= 0, got \(searchRuns)") }
    guard searchPatience >= 1 else { throw ValidationError("--search-patience must be >= 1, got \(searchPatience)") }
    guard maxStarts >= 0 else { throw ValidationError("--max-starts must be >= 0, got \(maxStarts)") }
    guard samplingSigma.isFinite, samplingSigma >= 0 else {
      throw ValidationError("--sampling-sigma must be finite and >= 0, got \(samplingSigma)")
    }
  }

  func search(seed: UInt64) -> FixedPointSearch {
    var s = FixedPointSearch()
    s.randomStarts = starts
    s.runsPerBatch = searchRuns
    s.patience = searchPatience
    s.maxStarts = maxStarts
    s.samplingSigma = samplingSigma
    s.seed = seed
    return s
  }
}
