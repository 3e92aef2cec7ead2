import ArgumentParser
import Foundation
import Platform
import Reports
import Training

struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Combine `paradox --shard k/n --out FILE` results into one table.",
    discussion: """
      All files must come from the same sweep (same configuration). Missing jobs are listed on stderr.
      Example: fixedpoints merge shard-*.json --out sweep.json
      """)

  @Argument(help: "Results files written by paradox --out.")
  var files: [String]

  @Option(name: [.customShort("o"), .customLong("out")], help: "Write the merged results (JSON) to this file.")
  var out: String?

  @OptionGroup var output: OutputOptions

  @OptionGroup var limits: LimitOptions

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("merge needs at least one results file") }
    if let out { try OutputPath.validate(out, option: "--out") }
  }

  func run() throws {
    let parts = try files.map { path -> ParadoxResults in
      let results = try ResultsFile.read(path, budget: limits.budget())
      // Kept checkpoints are linked relative to the file that lists them:
      // re-express the links relative to the merged file (or the working directory).
      let relativeSource = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
      return results.relinked(
        from: relativeSource.isEmpty ? "/" : relativeSource,
        to: out.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
      )
    }
    let budget = try limits.budget()
    for (path, part) in zip(files, parts) {
      do { try part.config.validateAsRead(budget: budget) } catch let e as PlatformError {
        throw ValidationError("\(path): \(ParameterFlags.message(e))")
      } catch { throw ValidationError("\(path): \(error)") }
    }
    let merged: ParadoxResults
    do { merged = try ParadoxResults.merge(parts) } catch { throw ValidationError(error.description) }
    let missing = merged.missing
    if !missing.isEmpty {
      FileHandle.standardError.write(Data("merge: \(missing.count) job(s) of \(merged.config.jobs.count) missing (e.g. noise-\(missing[0].noise.rawValue) sigma_train=\(missing[0].sigmaTrain) seed=\(missing[0].seed))\n".utf8))
    }
    let base = out.map { URL(fileURLWithPath: $0).deletingLastPathComponent() } ?? URL(fileURLWithPath: ".")
    let absent = merged.outcomes.compactMap(\.checkpoint).filter { link in
      !FileManager.default.fileExists(atPath: link.hasPrefix("/") ? link : base.appendingPathComponent(link).path)
    }
    if !absent.isEmpty {
      FileHandle.standardError.write(Data("merge: \(absent.count) linked checkpoint(s) not found (e.g. \(absent[0]))\n".utf8))
    }
    if let out { try OutputFile.write(try JSONOutput.string(merged) + "\n", to: out) }
    // With --out - stdout carries the results file alone.
    if out != OutputFile.standardOutput { try output.emit(ParadoxSummary(merged), stage: "the merged sweep") }
  }
}
