import Dispatch
import Foundation
import GSL

/// One computation run on a thread of its own while the caller goes on;
/// `result()` waits for it. For serial work (a dgeev) that would otherwise
/// leave a core idle next to the caller's own, partly serial, work.
///
/// A dedicated thread rather than a global dispatch queue: the caller's
/// `DispatchQueue.concurrentPerform` draws on that queue's worker pool, and
/// a long job there could leave it a worker short (its blocks would then run
/// one after the other on the calling thread).
final class BackgroundJob<Value: Sendable>: @unchecked Sendable {
  // Written once by the job's thread before `finished` is signalled, read
  // only after waiting on it: the semaphore orders the two.
  private var outcome: Result<Value, Error>?
  private let finished = DispatchSemaphore(value: 0)

  /// `inline`: run `work` now, on this thread (a caller asked for one thread).
  init(inline: Bool = false, _ work: @escaping @Sendable () throws -> Value) {
    if inline {
      outcome = Result { try work() }
      finished.signal()
      return
    }
    Self.loadBLAS()
    let thread = Thread { [self] in
      outcome = Result { try work() }
      finished.signal()
    }
    // LAPACK's Fortran keeps work arrays on the stack; give it the main
    // thread's usual 8 MiB rather than a secondary thread's default.
    thread.stackSize = 8 << 20
    thread.start()
  }

  /// Loads OpenBLAS, which `BLAS` sets to one thread, before any job can
  /// call LAPACK: OpenBLAS's own threads under two callers at once would
  /// oversubscribe the cores.
  static func loadBLAS() { _ = BLAS.implementation }

  /// The job's value or error; waits until it has one. Call once.
  func result() -> Result<Value, Error> {
    finished.wait()
    return outcome!
  }
}

/// Spectral radii of maps handed in one at a time while the caller goes on
/// (the mean-field continuation reaching its targets): a thread of its own
/// computes them as they come, in order; `results(threads:)` then shares
/// those left with the calling thread and `threads` − 2 more. Each radius
/// is one `NonsymmetricEigen` call on its own map, so who computes it does
/// not change its bits. A map identical to the one before it (every point
/// of a noise-out branch: the mean-field point does not move) takes that
/// one's radius instead of a second eigenvalue problem.
final class SpectralRadiusPipeline: @unchecked Sendable {
  // Everything below is read and written under `condition`'s lock.
  private let condition = NSCondition()
  /// The distinct maps, and for each map added the index of its distinct one.
  private var maps: [Matrix] = []
  private var slots: [Int] = []
  private var radii: [Result<Double, Error>?] = []
  /// The first map no worker has taken.
  private var next = 0
  private var closed = false

  init() {
    BackgroundJob<Int>.loadBLAS()
    let thread = Thread { [self] in work(waiting: true) }
    thread.stackSize = 8 << 20  // as `BackgroundJob`'s
    thread.start()
  }

  func add(_ map: Matrix) {
    condition.lock()
    if let last = maps.last, Self.identical(last, map) {
      slots.append(maps.count - 1)
    } else {
      slots.append(maps.count)
      maps.append(map)
      radii.append(nil)
      condition.broadcast()
    }
    condition.unlock()
  }

  /// No more maps: the background thread ends once the queue is empty.
  /// Must be called (`results` does) or the thread waits for ever.
  func close() {
    condition.lock()
    closed = true
    condition.broadcast()
    condition.unlock()
  }

  /// Every map's radius (or why it failed), in the order added.
  func results(threads: Int) -> [Result<Double, Error>] {
    close()
    DispatchQueue.concurrentPerform(iterations: max(1, threads - 1)) { _ in work(waiting: false) }
    condition.lock()
    defer { condition.unlock() }
    // The background thread may still be on its last map.
    while radii.contains(where: { $0 == nil }) { condition.wait() }
    return slots.map { radii[$0]! }
  }

  /// The same bits (== would equate 0 and −0).
  static func identical(_ a: Matrix, _ b: Matrix) -> Bool {
    a.rows == b.rows && a.columns == b.columns && a.elements.elementsEqual(b.elements) { $0.bitPattern == $1.bitPattern }
  }

  /// Takes maps until none is left (`waiting`: until none is left and the
  /// pipeline is closed).
  private func work(waiting: Bool) {
    while true {
      condition.lock()
      while waiting, next == maps.count, !closed { condition.wait() }
      guard next < maps.count else {
        condition.unlock()
        return
      }
      let k = next, map = maps[k]
      next += 1
      condition.unlock()
      let radius = Result<Double, Error> { try NonsymmetricEigen.eigenvalues(map).first?.magnitude ?? 0 }
      condition.lock()
      radii[k] = radius
      condition.broadcast()
      condition.unlock()
    }
  }
}
