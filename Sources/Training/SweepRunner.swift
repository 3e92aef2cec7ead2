import Foundation

/// Runs the jobs of a paradox sweep on `workers` threads, one job per thread
/// at a time. Each job is trained from its own seeds, so the outcomes do not
/// depend on the number of workers or the schedule; they land in job order.
public enum SweepRunner {
  /// Runs every job; `progress(done, job, elapsedSeconds)` is called once per
  /// finished job, under a lock (so calls never overlap). Throws
  /// `TrainingError.jobFailed` naming the first failed job (in job order).
  public static func run(
    _ jobs: [ParadoxJob], config: ParadoxConfig, task: any TrainingTask, workers: Int,
    progress: @Sendable (_ done: Int, _ job: ParadoxJob, _ elapsedSeconds: Double) -> Void = { _, _, _ in }
  ) throws(TrainingError) -> [ParadoxOutcome] {
    final class Slots: @unchecked Sendable {  // each index written by one worker, read after the join
      var outcomes: [ParadoxOutcome?]
      var errors: [String?]
      var done = 0  // guarded by `lock`
      init(_ n: Int) {
        outcomes = [ParadoxOutcome?](repeating: nil, count: n)
        errors = [String?](repeating: nil, count: n)
      }
    }
    let slots = Slots(jobs.count)
    let start = Date()
    let lock = NSLock()
    let threads = max(1, min(workers, jobs.count))
    DispatchQueue.concurrentPerform(iterations: threads) { w in
      var j = w
      while j < jobs.count {
        do { slots.outcomes[j] = try config.run(jobs[j], task: task) } catch { slots.errors[j] = "\(error)" }
        lock.lock()
        slots.done += 1
        progress(slots.done, jobs[j], Date().timeIntervalSince(start))
        lock.unlock()
        j += threads
      }
    }
    if let i = slots.errors.firstIndex(where: { $0 != nil }) {
      throw .jobFailed("job noise-\(jobs[i].noise.rawValue) sigma_train=\(jobs[i].sigmaTrain) seed=\(jobs[i].seed) failed: \(slots.errors[i]!)")
    }
    return slots.outcomes.map { $0! }
  }
}
