import Foundation
import XCTest

/// `fixedpoints bench moments --batched`: the batched-moments rows exist for
/// each activation and quantity, and a bad count is rejected. Tiny sizes:
/// this checks the command, not a rate.
extension CLITests {
  func testBenchMomentsBatched() throws {
    let r = try run(["bench", "moments", "--evaluations", "1", "--batched", "200", "--repeats", "1", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let rows = try XCTUnwrap(try json(r)["batched"] as? [[String: String]])
    XCTAssertEqual(Set(rows.map { "\($0["activation"]!) \($0["quantities"]!)" }).count, 6)
    for row in rows { XCTAssertGreaterThan(Double(row["elements_per_second"] ?? "") ?? 0, 0) }
    try assertRejected(["bench", "moments", "--batched", "-5"], naming: "--batched")
  }
}
