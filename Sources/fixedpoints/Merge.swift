import ArgumentParser
import Foundation
import Platform
import Reports
import Training

struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Combine `paradox --shard k/n --out FILE` results into one table.",
    discussion: "All files must come from the same sweep (same configuration). Missing jobs are listed on stderr.")

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
      // Read no more than the budget allows (the file is held, then decoded).
      if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int {
        do { try limits.budget().require(count: size, elementSize: 4, for: "reading \(path) (\(size) bytes)") } catch let e as PlatformError {
          throw ValidationError(ParameterFlags.message(e))
        }
      }
      guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
      do { return try ParadoxResults.decode(from: data) } catch {
        throw ValidationError("\(path) is not a paradox results file: \(error)")
      }
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
    if let out { try AtomicFile.write(try JSONOutput.string(merged) + "\n", to: out) }
    try ParadoxSummary(merged).print(output: output)
  }
}
