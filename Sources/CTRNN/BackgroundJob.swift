import Dispatch
import Foundation

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

  init(_ work: @escaping @Sendable () throws -> Value) {
    let thread = Thread { [self] in
      outcome = Result { try work() }
      finished.signal()
    }
    // LAPACK's Fortran keeps work arrays on the stack; give it the main
    // thread's usual 8 MiB rather than a secondary thread's default.
    thread.stackSize = 8 << 20
    thread.start()
  }

  /// The job's value or error; waits until it has one. Call once.
  func result() -> Result<Value, Error> {
    finished.wait()
    return outcome!
  }
}
