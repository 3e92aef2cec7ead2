import ArgumentParser
import Foundation

/// Worker threads. Results never depend on it: trajectory j always draws
/// noise stream j, whichever thread runs it.
struct ThreadOptions: ParsableArguments {
  @Option(help: "Worker threads (results do not depend on it).")
  var threads = ProcessInfo.processInfo.activeProcessorCount
}
