import Foundation
import Platform

/// What a checkpoint may cost before anything is computed from it: its
/// size is checked against the memory budget when it is read and when an
/// analysis is set up, so a crafted header (W_rec 11585×11585 in a sparse
/// file) stops with a message instead of taking the machine's memory.
extension Checkpoint {
  /// The largest N analyzed (and whose spectral radius `checkpoint inspect`
  /// computes): the eigenvalue and Stein-equation steps are O(N³), minutes
  /// at N = 4096, and `train --hidden` has the same limit.
  public static let maximumHiddenSize = 4096

  /// Bytes held while a file of `fileSize` bytes is read and validated: the
  /// file's bytes, the decoded Float64 values (up to twice the bytes, for
  /// F32) and the checkpoint's own copy of them.
  public static func readingBytes(fileSize: Int) throws -> Int {
    try MemoryBudget.checkedProduct(fileSize, 5, what: "reading a checkpoint of \(fileSize) bytes")
  }

  /// Bytes of the Gaussian closure at N: the covariance, the linearised map
  /// and the doubling iterate, N×N doubles each.
  public static func closureBytes(hidden n: Int) throws -> Int {
    try MemoryBudget.checkedProduct(3, n, n, MemoryLayout<Double>.size, what: "the closure at N = \(n)")
  }

  /// Throws when N is above `maximumHiddenSize` or the closure's memory
  /// above the budget.
  public func checkAnalysisLimits(budget: MemoryBudget) throws {
    let n = hiddenSize
    guard n <= Self.maximumHiddenSize else {
      throw CheckpointError.shapeMismatch(
        "N = \(n) hidden units is above \(Self.maximumHiddenSize), the largest this tool analyzes (its eigenvalue steps are O(N³))")
    }
    try budget.require(bytes: Self.closureBytes(hidden: n), for: "the closure at N = \(n)")
  }

  /// The work one simulated ensemble may take, counted as trajectories ×
  /// steps × (N(N+1) + 32): N(N+1) multiply-adds per step for the map and
  /// the covariance sums, about 32 for the noise and the bookkeeping. One
  /// unit is about 4 ns, so 2·10¹⁰ is about a minute and a half on one core.
  /// Large networks get at least four times the default ensemble
  /// (`NetworkSimulationOptions()`), whatever that costs.
  public static let maximumEnsembleWork = 20_000_000_000

  /// The work limit at this N: `maximumEnsembleWork`, or four default
  /// ensembles if that is more.
  public var ensembleWorkLimit: Int {
    let defaults = NetworkSimulationOptions()
    let perStep = hiddenSize.multipliedReportingOverflow(by: hiddenSize + 1)
    let fourDefaults = perStep.overflow ? nil : try? MemoryBudget.checkedProduct(4, defaults.trajectories, defaults.steps, perStep.partialValue + 32)
    return max(Self.maximumEnsembleWork, fourDefaults ?? Self.maximumEnsembleWork)
  }

  /// Throws `NetworkError.invalidParameter(.trajectories, …)` when one
  /// ensemble of `options` on this network would exceed `ensembleWorkLimit`.
  public func checkEnsembleWork(_ options: NetworkSimulationOptions) throws {
    let n = hiddenSize, limit = ensembleWorkLimit
    let perStep = n.multipliedReportingOverflow(by: n + 1)
    let work = perStep.overflow ? nil : try? MemoryBudget.checkedProduct(options.trajectories, options.steps, perStep.partialValue + 32)
    guard let work, work <= limit else {
      throw NetworkError.invalidParameter(
        .trajectories,
        message: "× steps × (N(N+1) + 32) = \(options.trajectories) × \(options.steps) × \(perStep.partialValue &+ 32) per ensemble is above \(limit) (minutes of work); use fewer trajectories or steps")
    }
  }

  /// Reads a checkpoint whose file fits the budget (see `readingBytes`).
  public init(contentsOf url: URL, budget: MemoryBudget) throws {
    var info = stat()
    if stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
      try budget.require(bytes: Self.readingBytes(fileSize: Int(info.st_size)), for: "reading \(url.path)")
    }
    try self.init(contentsOf: url)
  }
}
