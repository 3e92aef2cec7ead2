/// One result slot per job of a parallel loop (a sampled run, a start, a
/// branch, a matrix), each written by exactly one worker and read only after
/// all workers joined — hence `@unchecked Sendable`: the slots are disjoint,
/// and `DispatchQueue.concurrentPerform` returns after every worker ends.
final class ResultSlots<Value>: @unchecked Sendable {
  let results: UnsafeMutableBufferPointer<Result<Value, Error>?>
  init(count: Int) {
    results = .allocate(capacity: count)
    results.initialize(repeating: nil)
  }
  deinit {
    results.deinitialize()
    results.deallocate()
  }
}
