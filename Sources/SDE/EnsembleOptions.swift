import Foundation

/// How to run an ensemble: how many trajectories from which seed, on how many
/// threads, and what to keep.
public struct EnsembleOptions: Sendable, Equatable {
  public var trajectories: Int
  /// Trajectory j draws its noise from `GaussianStream(seed: seed, stream: j)`.
  public var seed: UInt64
  /// Worker threads (default: the active processor count). Results are
  /// bit-identical for every value.
  public var threads: Int
  /// Trajectories advanced together as one batch (one dgemm per step for a
  /// network). Every chunk has this size except possibly the last; the
  /// thread count never changes the chunks, so even a BLAS whose rounding
  /// depended on the batch size could not make results thread-dependent.
  public var chunkSize: Int
  /// Keep every k-th state of every trajectory (plus the initial and final
  /// ones); nil keeps only final states.
  public var savePathsEvery: Int?
  /// Accumulate stationary statistics after a burn-in.
  public var stationary: StationaryOptions?
  /// The precision the steps run in (Markov chains with a float32 map only;
  /// statistics are float64 either way). float32 draws its normals from the
  /// same per-trajectory stream as float64, by a 23-bit ziggurat, so its
  /// results are a different sample, equally independent of the thread count.
  public var precision: Precision = .f64

  public init(
    trajectories: Int, seed: UInt64, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    chunkSize: Int = 128, savePathsEvery: Int? = nil, stationary: StationaryOptions? = nil
  ) {
    self.trajectories = trajectories
    self.seed = seed
    self.threads = threads
    self.chunkSize = chunkSize
    self.savePathsEvery = savePathsEvery
    self.stationary = stationary
  }
}
