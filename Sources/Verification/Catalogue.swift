/// Every check `fixedpoints verify` runs, layer by layer. A layer adds its
/// checks by appending its list here.
public enum Catalogue {
  public static var all: [Check] {
    MomentChecks.all + SDEChecks.all + NetworkChecks.all + AttractorChecks.all + FeedforwardChecks.all + NoiseLawChecks.all
      + DropoutChecks.all
  }

  /// Checks whose name contains `filter` (all when nil).
  public static func checks(matching filter: String?) -> [Check] {
    guard let filter, !filter.isEmpty else { return all }
    return all.filter { $0.name.contains(filter) }
  }
}
