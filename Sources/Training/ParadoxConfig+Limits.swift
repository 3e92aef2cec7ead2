import Platform

extension ParadoxConfig {
  /// The most jobs `paradox` runs in one sweep (a time bound: each job
  /// trains a network; sweeps of this tool are tens of jobs). Merging
  /// bigger grids is bounded by memory only.
  public static let maximumJobs = 10_000

  /// Throws when a grid of placements × σ_train × seeds jobs with
  /// `sigmaTest` test points would not fit the budget: per job its key and
  /// two curves of σ_test values (~64 + 16 · |σ_test| bytes, a rough
  /// estimate), the products overflow-checked. Called before the job list
  /// (or the seed list) is built.
  public static func checkMemory(placements: Int, sigmaTrain: Int, seeds: Int, sigmaTest: Int, budget: MemoryBudget) throws {
    let what = "the sweep grid of \(placements) placement(s) × \(sigmaTrain) sigma_train × \(seeds) seeds × \(sigmaTest) sigma_test"
    let perJob = try MemoryBudget.checkedProduct(16, sigmaTest, what: what) + 64
    try budget.require(bytes: MemoryBudget.checkedProduct(placements, sigmaTrain, seeds, perJob, what: what), for: what)
  }

  /// A configuration read from a results file is user input: its grids must
  /// be what `paradox` writes (finite σ ≥ 0; σ_test ascending, each once)
  /// and fit the memory budget, before any job list is built from them.
  public func validateAsRead(budget: MemoryBudget) throws {
    func bad(_ m: String) -> TrainingError { .invalidResults(m) }
    guard !sigmaTest.isEmpty else { throw bad("the sweep has no sigma_test values") }
    for s in sigmaTrain + sigmaTest where !(s.isFinite && s >= 0) {
      throw bad("has a sigma value \(s) in its grid; sigma_train and sigma_test must be finite and >= 0")
    }
    for i in sigmaTest.indices.dropFirst() where !(sigmaTest[i - 1] < sigmaTest[i]) {
      throw bad("sigma_test grid is not ascending with each value once (\(sigmaTest[i - 1]) then \(sigmaTest[i]))")
    }
    try Self.checkMemory(
      placements: placements.count, sigmaTrain: sigmaTrain.count, seeds: seeds.count, sigmaTest: sigmaTest.count, budget: budget)
  }
}
