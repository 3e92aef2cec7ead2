import XCTest

@testable import Platform

final class TerminalTextTests: XCTestCase {
  func testControlCharactersAreShownNotEmitted() {
    XCTAssertEqual(TerminalText.sanitize("\u{1B}[31mred\u{1B}[0m"), "\\u{1B}[31mred\\u{1B}[0m")
    XCTAssertEqual(TerminalText.sanitize("a\nb\r\tc\u{7F}"), "a\\u{A}b\\u{D}\\u{9}c\\u{7F}")
    XCTAssertEqual(TerminalText.sanitize("x\u{202E}y\u{2028}"), "x\\u{202E}y\\u{2028}")
    XCTAssertEqual(TerminalText.sanitize("σ_test = 0.5, μ ≥ 0"), "σ_test = 0.5, μ ≥ 0")
  }
}
