import Reports
import XCTest

final class TableTests: XCTestCase {
  func sample(caption: String? = nil) -> Table {
    var t = Table(columns: ["name", "value"], caption: caption)
    t.append(["alpha", "1.5"])
    t.append(["b", "-12.25"])
    return t
  }

  // MARK: - Terminal

  func testTerminalAlignment() {
    let out = sample().render(.terminal)
    // Widths: "alpha" (5) and "-12.25" (6); first column left, others right,
    // two spaces between columns, a dashed rule under the header.
    XCTAssertEqual(out, """
      name    value
      -----  ------
      alpha     1.5
      b      -12.25

      """)
  }

  func testTerminalCaptionAndExplicitAlignments() {
    var t = Table(columns: ["x", "long header"], alignments: [.right, .left], caption: "Caption")
    t.append(["12345", "a"])
    // Left-aligned cells are padded on the right, so lines keep a common width.
    XCTAssertEqual(t.render(.terminal), [
      "Caption",
      "    x  long header",
      "-----  -----------",
      "12345  a          ",
    ].joined(separator: "\n") + "\n")
  }

  func testTerminalCountsCharactersNotBytes() {
    // "σ" and "µ" are 2 bytes in UTF-8 but one column; padding uses Character count.
    var t = Table(columns: ["σ", "E f"])
    t.append(["µs", "1"])
    let lines = t.render(.terminal).split(separator: "\n")
    XCTAssertEqual(lines[0], "σ   E f")
    XCTAssertEqual(lines[2], "µs    1")
  }

  // MARK: - Markdown

  func testMarkdownStructureAndAlignmentRow() {
    XCTAssertEqual(sample().render(.markdown), """
      | name | value |
      | :--- | ---: |
      | alpha | 1.5 |
      | b | -12.25 |

      """)
  }

  func testMarkdownEscapesPipes() {
    var t = Table(columns: ["a|b", "c"], caption: "x | y")
    t.append(["|E f|", "2"])
    let out = t.render(.markdown)
    let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
    XCTAssertEqual(lines[0], "**x \\| y**")
    XCTAssertEqual(lines[1], "")  // a blank line separates the caption from the table
    XCTAssertEqual(lines[2], "| a\\|b | c |")
    XCTAssertEqual(lines[3], "| :--- | ---: |")
    XCTAssertEqual(lines[4], "| \\|E f\\| | 2 |")
    // Every table line has exactly columns + 1 unescaped pipes.
    for line in lines[2...4] {
      let unescaped = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
      XCTAssertEqual(unescaped, 3, String(line))
    }
  }

  // MARK: - CSV

  func testCSVPlainFieldsUnquoted() {
    XCTAssertEqual(sample().render(.csv), "name,value\nalpha,1.5\nb,-12.25\n")
  }

  func testCSVQuotingPerRFC4180() {
    var t = Table(columns: ["a,b", "plain"])
    t.append(["say \"hi\"", "line1\nline2"])
    t.append(["cr\rhere", ""])
    // A field with a comma, quote, CR or LF is quoted; inner quotes doubled.
    XCTAssertEqual(t.render(.csv), """
      "a,b",plain
      "say ""hi""\","line1
      line2"
      "cr\rhere",

      """)
  }

  func testCSVOmitsCaption() {
    XCTAssertEqual(sample(caption: "ignored").render(.csv).split(separator: "\n").first, "name,value")
  }

  // MARK: - LaTeX

  func testLaTeXBooktabsStructure() {
    XCTAssertEqual(sample(caption: "Moments").render(.latex), """
      \\begin{table}[ht]
      \\centering
      \\caption{Moments}
      \\begin{tabular}{lr}
      \\toprule
      name & value \\\\
      \\midrule
      alpha & 1.5 \\\\
      b & -12.25 \\\\
      \\bottomrule
      \\end{tabular}
      \\end{table}

      """)
    // Without a caption there is no \caption line.
    XCTAssertFalse(sample().render(.latex).contains("\\caption"))
  }

  func testLaTeXEscapesSpecialCharacters() {
    var t = Table(columns: ["a_b", "50%"], caption: "$x$ & {y}")
    t.append(["#1 ~2 ^3", "C:\\path"])
    let out = t.render(.latex)
    XCTAssert(out.contains("\\caption{\\$x\\$ \\& \\{y\\}}"), out)
    XCTAssert(out.contains("a\\_b & 50\\% \\\\"), out)
    XCTAssert(out.contains("\\#1 \\textasciitilde{}2 \\textasciicircum{}3 & C:\\textbackslash{}path \\\\"), out)
    // The backslash is escaped once, not re-escaped by later replacements.
    XCTAssertFalse(out.contains("\\textbackslash\\{\\}"), out)
  }

  // MARK: - Misc

  func testFormatsAndDefaults() {
    XCTAssertEqual(TableFormat.allCases.map(\.rawValue), ["terminal", "markdown", "csv", "latex"])
    XCTAssertEqual(Table(columns: ["a", "b", "c"]).alignments, [.left, .right, .right])
    // A table with no rows still renders its header.
    XCTAssertEqual(Table(columns: ["only"]).render(.csv), "only\n")
  }
}
