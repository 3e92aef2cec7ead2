import Foundation

/// Putting a sharded sweep back together: reading results files (old and
/// new key spellings) and combining them after checking they are one sweep.
extension ParadoxResults {
  /// Decodes a results file. Files written by this version use snake_case
  /// keys (`test_loss`, through the reports' JSON strategy); older ones used
  /// the Swift names (`testLoss`). The snake_case conversion maps
  /// `test_loss` to `testLoss` and leaves `testLoss` as it is, so one
  /// decoder reads both; the plain decoder is tried as well in case a future
  /// key holds an underscore of its own.
  public static func decode(from data: Data) throws -> ParadoxResults {
    func decoder(snakeCase: Bool) -> JSONDecoder {
      let d = JSONDecoder()
      d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
      if snakeCase { d.keyDecodingStrategy = .convertFromSnakeCase }
      return d
    }
    do { return try decoder(snakeCase: true).decode(ParadoxResults.self, from: data) } catch {
      // Report the snake_case decoder's error (the current format) when both fail.
      guard let old = try? decoder(snakeCase: false).decode(ParadoxResults.self, from: data) else { throw error }
      return old
    }
  }

  /// Combines shards of one sweep: same config, no job with two different
  /// outcomes (an identical duplicate — the same shard given twice — is kept once).
  public static func merge(_ parts: [ParadoxResults]) throws(TrainingError) -> ParadoxResults {
    guard let first = parts.first else { throw .invalidResults("needs at least one results file") }
    var byJob: [ParadoxJob: ParadoxOutcome] = [:]
    for part in parts {
      guard part.format == formatVersion else {
        throw .invalidResults("unknown results format '\(part.format)' (expected \(formatVersion))")
      }
      guard part.config == first.config else {
        throw .invalidResults("the files come from different sweeps (their configurations differ)")
      }
      guard !part.config.sigmaTest.isEmpty else { throw .invalidResults("the sweep has no sigma_test values") }
      let grid = Set(first.config.jobs)
      for o in part.outcomes {
        // A results file is user input: check it fits its own grid before
        // anything indexes into it.
        guard grid.contains(o.job), o.testLoss.count == part.config.sigmaTest.count,
          o.testStandardError.count == part.config.sigmaTest.count
        else {
          throw .invalidResults(
            "job noise-\(o.job.noise.rawValue) sigma_train=\(o.job.sigmaTrain) seed=\(o.job.seed) does not fit the sweep's grid")
        }
        if let seen = byJob[o.job], seen != o {
          throw .invalidResults("job noise-\(o.job.noise.rawValue) sigma_train=\(o.job.sigmaTrain) seed=\(o.job.seed) has two different results")
        }
        byJob[o.job] = o
      }
    }
    let order = first.config.jobs
    let outcomes = order.compactMap { byJob[$0] }
    return ParadoxResults(config: first.config, shard: "all", outcomes: outcomes)
  }
}
