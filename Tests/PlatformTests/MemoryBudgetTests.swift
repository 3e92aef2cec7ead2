import XCTest

@testable import Platform

final class MemoryBudgetTests: XCTestCase {
  func testParse() {
    XCTAssertEqual(MemoryBudget.parse("1048576"), 1 << 20)
    XCTAssertEqual(MemoryBudget.parse("512K"), 512 << 10)
    XCTAssertEqual(MemoryBudget.parse("512m"), 512 << 20)
    XCTAssertEqual(MemoryBudget.parse("2G"), 2 << 30)
    XCTAssertEqual(MemoryBudget.parse("2GiB"), 2 << 30)
    XCTAssertEqual(MemoryBudget.parse("1.5T"), 3 << 39)
    XCTAssertEqual(MemoryBudget.parse(" 8GB "), 8 << 30)
    for bad in ["", "G", "-1G", "0", "nan", "inf", "1e9", "1..2G", "1X", "+5", "8388608T", "99999999999999999999"] {
      XCTAssertNil(MemoryBudget.parse(bad), bad)
    }
  }

  func testLimitSources() throws {
    XCTAssertEqual(try MemoryBudget(maxMemory: "1G", environment: ["FIXEDPOINTS_MAX_MEMORY": "2G"]).limit, 1 << 30)
    let env = try MemoryBudget(maxMemory: nil, environment: ["FIXEDPOINTS_MAX_MEMORY": "2G"])
    XCTAssertEqual(env.limit, 2 << 30)
    XCTAssertEqual(env.source, MemoryBudget.environmentVariable)
    let dflt = try MemoryBudget(maxMemory: nil, environment: [:])
    XCTAssertEqual(dflt.source, "default")
    XCTAssertGreaterThan(dflt.limit, 0)
    if let physical = MemoryBudget.physicalMemory { XCTAssertEqual(dflt.limit, physical / 2) }
    XCTAssertThrowsError(try MemoryBudget(maxMemory: nil, environment: ["FIXEDPOINTS_MAX_MEMORY": "lots"])) { error in
      XCTAssertTrue("\(error)".contains("FIXEDPOINTS_MAX_MEMORY"))
    }
    XCTAssertThrowsError(try MemoryBudget(maxMemory: "-3", environment: [:]))
  }

  func testRequire() throws {
    let budget = MemoryBudget(limit: 1 << 30)
    XCTAssertNoThrow(try budget.require(bytes: 1 << 30, for: "x"))
    XCTAssertThrowsError(try budget.require(bytes: 3_200_000_000, for: "the closure at N = 11585")) { error in
      guard case PlatformError.memory = error else { return XCTFail("\(error)") }
      let message = "\(error)"
      XCTAssertTrue(message.contains("the closure at N = 11585 needs ~3.2 GB"), message)
      XCTAssertTrue(message.contains("max_memory") && message.contains("FIXEDPOINTS_MAX_MEMORY"), message)
    }
    XCTAssertThrowsError(try budget.require(count: Int.max, elementSize: 8, for: "trajectories")) { error in
      guard case PlatformError.sizeOverflow = error else { return XCTFail("\(error)") }
    }
  }

  func testCheckedProduct() throws {
    XCTAssertEqual(try MemoryBudget.checkedProduct(100_000, 100_000, 8), 80_000_000_000)
    XCTAssertEqual(try MemoryBudget.checkedProduct(), 1)
    XCTAssertEqual(try MemoryBudget.checkedProduct(0, Int.max, Int.max), 0, "zero first: no overflow")
    XCTAssertThrowsError(try MemoryBudget.checkedProduct(9_223_372_036_854_775_807, 8, what: "trajectories")) { error in
      XCTAssertTrue("\(error)".contains("trajectories"))
    }
    XCTAssertThrowsError(try MemoryBudget.checkedProduct(1 << 32, 1 << 31))
    XCTAssertThrowsError(try MemoryBudget.checkedProduct(-1, 8), "negative sizes are refused")
  }

  func testFormat() {
    XCTAssertEqual(MemoryBudget.format(bytes: 999), "999 bytes")
    XCTAssertEqual(MemoryBudget.format(bytes: 3_200_000_000), "~3.2 GB")
    XCTAssertEqual(MemoryBudget.format(bytes: 80_000_000_000), "~80 GB")
    XCTAssertEqual(MemoryBudget.format(bytes: Int.max), "~9.2 EB")
  }
}

final class FiniteTests: XCTestCase {
  func testFiniteValuesPass() throws {
    XCTAssertEqual(try Finite.check(1.5, "mean", in: "moments"), 1.5)
    XCTAssertEqual(try Finite.check([0, -.greatestFiniteMagnitude], "x", in: "s"), [0, -.greatestFiniteMagnitude])
  }

  func testNonFiniteNamesStageQuantityAndIndex() {
    XCTAssertThrowsError(try Finite.check(.nan, "variance", in: "moments")) { error in
      guard case PlatformError.nonFinite("moments", "variance", let v, nil) = error, v.isNaN else {
        return XCTFail("\(error)")
      }
      XCTAssertTrue("\(error)".hasPrefix("moments: variance is nan"))
    }
    XCTAssertThrowsError(try Finite.check([1, 2, .infinity], "fixed point", in: "closure")) { error in
      guard case PlatformError.nonFinite(_, _, _, 2) = error else { return XCTFail("\(error)") }
    }
  }
}

final class MemoryBudgetLimitTests: XCTestCase {
  /// A large closure: a closure of three 11585² matrices of doubles.
  func testClosureEstimateOfTheIssueFormatsAsThreePointTwoGigabytes() throws {
    let bytes = try MemoryBudget.checkedProduct(3, 11585, 11585, 8)
    XCTAssertEqual(MemoryBudget.format(bytes: bytes), "~3.2 GB")
    XCTAssertThrowsError(try MemoryBudget(limit: 1 << 30).require(bytes: bytes, for: "the closure at N = 11585")) { e in
      XCTAssert("\(e)".contains("the closure at N = 11585 needs ~3.2 GB"), "\(e)")
    }
  }

  /// The default never exceeds half of an address-space limit, when there is one.
  func testDefaultLimitRespectsTheAddressSpaceLimit() {
    if let space = MemoryBudget.addressSpaceLimit { XCTAssertLessThanOrEqual(MemoryBudget.defaultLimit, space / 2) }
    XCTAssertGreaterThan(MemoryBudget.defaultLimit, 0)
  }
}
