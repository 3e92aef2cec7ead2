import Foundation

/// The one progress policy of every command. Progress goes to stderr, never
/// stdout (stdout carries results, e.g. `--json` or `-o -`):
///
/// - on a terminal, one status line redrawn in place (a bar when the amount
///   of work is known), cleared when the command finishes;
/// - otherwise (pipes, CI logs, SLURM), plain lines only for counted work
///   (`train`'s iterations, `paradox`'s jobs), at most about twenty per run,
///   so a log shows the run advancing without drowning; stage notes
///   (`analyze`, `verify`) are not written at all.
final class Progress: @unchecked Sendable {
  let label: String
  let total: Int?
  let terminal: Bool
  private let start = Date()
  private var lastPlainLine = -1
  private let lock = NSLock()

  init(label: String, total: Int? = nil, terminal: Bool = isatty(STDERR_FILENO) != 0) {
    self.label = label
    self.total = total
    self.terminal = terminal
  }

  var elapsed: Double { Date().timeIntervalSince(start) }

  /// A stage of uncounted work ("closure at sigma = 0.5"): terminal only.
  func note(_ stage: String) {
    guard terminal else { return }
    write(String(format: "\r[%6.2fs] %@: %@\u{1B}[K", elapsed, label, stage))
  }

  /// `done` of `total` units finished; `detail` says what (loss, the job).
  func update(done: Int, detail: String) {
    guard let total else { return note(detail) }
    if terminal {
      let width = 30, filled = width * min(done, total) / max(1, total)
      let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
      write("\r\(label) [\(bar)] \(done)/\(total) \(detail)\u{1B}[K")
      return
    }
    let line = done * 20 / max(1, total)
    lock.lock()
    let due = done == total || line > lastPlainLine
    if due { lastPlainLine = line }
    lock.unlock()
    if due { write(String(format: "[%6.1fs] %@: %d/%d %@\n", elapsed, label, done, total, detail)) }
  }

  /// Clears the status line on a terminal; nothing otherwise.
  func finish() {
    if terminal { write("\r\u{1B}[K") }
  }

  private func write(_ s: String) {
    FileHandle.standardError.write(Data(s.utf8))
  }
}
