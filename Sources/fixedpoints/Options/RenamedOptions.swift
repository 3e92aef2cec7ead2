import ArgumentParser

/// Options renamed for one spelling per concept keep their old name as a
/// hidden option; giving both names at once is refused rather than one
/// silently winning.
func checkRenamed<T>(_ current: T?, _ old: T?, current currentName: String, old oldName: String) throws {
  if current != nil && old != nil {
    throw ValidationError("\(oldName) is the old name of \(currentName); give only \(currentName)")
  }
}
