import Foundation
import Reports
import XCTest

/// The value(uncertainty) rule, LaTeX escaping and every rendering of
/// `PaperTable`. Expected strings are worked out by hand from the rule in
/// Uncertainty.swift, not produced by the code.
final class UncertaintyFormatTests: XCTestCase {
  func check(_ value: Double, _ se: Double, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(Uncertainty.format(value, se: se), expected, "value \(value) se \(se)", file: file, line: line)
  }

  func testOneDigitWhenTheLeadingDigitIsNotOne() {
    // The README's bundled noise-in model: bias 0.375668 ± 0.000682 →
    // SE 0.0007 (one digit), value to 4 decimals.
    check(0.3756684127974256, 0.0006818806366700077, "0.3757(7)")
    check(1.2345, 0.03, "1.23(3)")
    check(0.5, 0.004, "0.500(4)")  // trailing zeros the SE supports are kept
  }

  func testTwoDigitsWhenTheLeadingDigitIsOne() {
    check(-0.0028, 0.0011, "-0.0028(11)")
    check(0.3, 0.15, "0.30(15)")
    check(12.34, 1.5, "12.3(15)")  // 12.3 ± 1.5: the digits count tenths
    check(0.6098, 0.00121, "0.6098(12)")
  }

  func testAnSERoundingUpToAPowerOfTenKeepsTwoDigits() {
    // 0.0996 → 0.10 (leading 1 after rounding), so two digits: 0.10.
    check(0.5, 0.0996, "0.50(10)")
    // 0.0096 → 0.010 at the third decimal: "(10)" in units of 0.001.
    check(0.5, 0.0096, "0.500(10)")
  }

  func testSELargerThanTheValue() {
    check(0.0012, 0.004, "0.001(4)")
    check(0.3, 2.0, "0(2)")
    check(3.0, 25.0, "0(30)")  // SE 25 → 30 (tens), value 3 → 0 at the tens
  }

  func testNegativeValuesAndNegativeZero() {
    check(-0.375, 0.002, "-0.375(2)")
    // -0.0003 at three decimals is zero: printed without a sign.
    check(-0.0003, 0.002, "0.000(2)")
  }

  func testExactValuesHaveNoParentheses() {
    check(0.5, 0, "0.5")
    check(0.123456789, 0, "0.1235")  // four significant digits, PaperNumber's default
    check(0.5, .nan, "0.5")
    check(0.5, -1, "0.5")
  }

  func testTensAndHundreds() {
    // SE 230 → 200 (hundreds); the value to the hundreds; both whole.
    check(12345, 230, "12300(200)")
    check(12345, 150, "12350(150)")  // leading 1: two digits, tens
  }

  func testExponentForVerySmallAndVeryLargeMagnitudes() {
    check(2.8e-5, 7e-6, "2.8(7)e-5")
    check(1.234e-8, 3e-10, "1.23(3)e-8")
    check(123456, 1234, "1.235(12)e5")
    check(-6.02e23, 4e21, "-6.02(4)e23")
    // 1e-4 ≤ max(|value|, SE) < 1e5 stays without an exponent.
    check(0.00028, 0.00007, "0.00028(7)")
    check(99999, 3, "99999(3)")
    check(1e-4, 1e-5, "0.000100(10)")  // 1e-4 is at the boundary, not below it
  }

  func testNonFiniteValues() {
    check(.nan, 0.1, "nan")
    check(.infinity, 0.1, "inf")
  }

  func testDecimalPlace() {
    XCTAssertEqual(Uncertainty.decimalPlace(se: 0.0007), 4)
    XCTAssertEqual(Uncertainty.decimalPlace(se: 0.0011), 4)
    XCTAssertEqual(Uncertainty.decimalPlace(se: 0.001), 4)  // exactly 1e-3: leading 1, two digits
    XCTAssertEqual(Uncertainty.decimalPlace(se: 3), 0)
    XCTAssertEqual(Uncertainty.decimalPlace(se: 230), -2)
  }

  func testPlainNumbers() {
    XCTAssertEqual(PaperNumber.plain(0.5), "0.5")
    XCTAssertEqual(PaperNumber.plain(0.3761365730563899), "0.3761")
    XCTAssertEqual(PaperNumber.plain(-0.0016488), "-0.001649")
    XCTAssertEqual(PaperNumber.plain(3e-5), "3e-5")
    XCTAssertEqual(PaperNumber.plain(1.5e6), "1.5e6")
    XCTAssertEqual(PaperNumber.plain(123456), "1.235e5")
    XCTAssertEqual(PaperNumber.plain(1e-4), "0.0001")
    // Decimal literals as written, not as their binary neighbours (1e-12's
    // double is 9.9999999999999998e-13).
    XCTAssertEqual(PaperNumber.plain(1e-12), "1e-12")
    XCTAssertEqual(PaperNumber.plain(1e-3), "0.001")
    XCTAssertEqual(PaperNumber.plain(0), "0")
    XCTAssertEqual(PaperNumber.plain(-0.0), "0")
    XCTAssertEqual(PaperNumber.plain(2), "2")
    // 99999.96 rounds to 1.000e5 at four digits: the exponent of the rounded number.
    XCTAssertEqual(PaperNumber.plain(99999.96), "1e5")
    XCTAssertEqual(PaperNumber.plain(0.30000000000000004, significantDigits: 17), "0.30000000000000004")
    XCTAssertEqual(PaperNumber.plain(.nan), "nan")
    XCTAssertEqual(PaperNumber.plain(-.infinity), "-inf")
  }
}

final class LaTeXEscapeTests: XCTestCase {
  func testEverySpecialCharacter() {
    XCTAssertEqual(
      LaTeX.escape("a#b$c%d&e~f_g^h\\i{j}k"),
      "a\\#b\\$c\\%d\\&e\\textasciitilde{}f\\_g\\textasciicircum{}h\\textbackslash{}i\\{j\\}k")
  }

  func testSymbolsBecomeMathAndUnknownCharactersAQuestionMark() {
    XCTAssertEqual(LaTeX.escape("σ_test ± 1"), "\\ensuremath{\\sigma}\\_test \\ensuremath{\\pm} 1")
    // Two symbols in a row: never "$$", which TeX reads as display math.
    XCTAssertEqual(LaTeX.escape("x⁻¹"), "x\\ensuremath{^-}\\ensuremath{^1}")
    XCTAssertEqual(LaTeX.escape("a – b…"), "a -- b\\ldots{}")
    XCTAssertEqual(LaTeX.escape("x < y | z"), "x \\textless{} y \\textbar{} z")
    XCTAssertEqual(LaTeX.escape("café"), "café")  // Latin-1: pdflatex's utf8 input knows it
    XCTAssertEqual(LaTeX.escape("模型"), "??")
    XCTAssertEqual(LaTeX.escape("a\u{1B}[31m"), "a\\textbackslash{}u\\{1B\\}[31m")
  }

  func testLabels() throws {
    XCTAssertNoThrow(try PaperTable.checkLabel("tab:bundled-models_1.2"))
    for bad in ["", "tab:a b", "tab:{x}", "tab:%", "tab:\\x", "tab:#1", "tab:σ"] {
      XCTAssertThrowsError(try PaperTable.checkLabel(bad), bad)
    }
  }
}

final class PaperTableRenderingTests: XCTestCase {
  /// Text, an integer, a number, values with and without an SE, a missing cell.
  func sample() -> PaperTable {
    var t = PaperTable(
      columns: [
        .init(name: "model"), .init(name: "seeds"),
        .init(name: "sigma_test", display: "σ_test", latex: "$\\sigma_\\text{test}$"),
        .init(name: "bias", display: "bias", latex: "$b$"),
      ],
      caption: "Two models & 100% of $x_1$", label: "tab:two")
    t.append([.text("noise_in"), .integer(3), .number(0.5), .measured(0.3756684, se: 0.000682)])
    t.append([.text("noise|out"), .integer(12), .number(0.25), .measured(-0.0028, se: 0.0011)])
    t.append([.text("exact"), .missing, .number(0), .measured(0, se: 0)])
    return t
  }

  func testText() {
    XCTAssertEqual(sample().render(.text), """
      Two models & 100% of $x_1$
      model      seeds  σ_test         bias
      ---------  -----  ------  -----------
      noise_in       3     0.5    0.3757(7)
      noise|out     12    0.25  -0.0028(11)
      exact          -       0            0

      """)
  }

  func testMarkdown() {
    XCTAssertEqual(sample().render(.markdown), """
      **Two models & 100% of $x_1$**

      | model | seeds | σ_test | bias |
      | :--- | ---: | ---: | ---: |
      | noise_in | 3 | 0.5 | 0.3757(7) |
      | noise\\|out | 12 | 0.25 | -0.0028(11) |
      | exact | - | 0 | 0 |

      """)
  }

  func testCSVCarriesRawValueAndSE() {
    XCTAssertEqual(sample().render(.csv), """
      model,seeds,sigma_test,bias,bias_value,bias_se
      noise_in,3,0.5,0.3757(7),0.3756684,0.000682
      noise|out,12,0.25,-0.0028(11),-0.0028,0.0011
      exact,,0,0,0.0,0.0

      """)
  }

  func testJSON() throws {
    let text = sample().render(.json)
    let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    XCTAssertEqual(o["label"] as? String, "tab:two")
    let columns = try XCTUnwrap(o["columns"] as? [[String: Any]])
    XCTAssertEqual(columns.map { $0["name"] as? String }, ["model", "seeds", "sigma_test", "bias"])
    XCTAssertEqual(columns[2]["latex"] as? String, "$\\sigma_\\text{test}$")
    let rows = try XCTUnwrap(o["rows"] as? [[String: Any]])
    XCTAssertEqual(rows.count, 3)
    let bias = try XCTUnwrap(rows[0]["bias"] as? [String: Any])
    XCTAssertEqual(bias["formatted"] as? String, "0.3757(7)")
    XCTAssertEqual(bias["value"] as? Double, 0.3756684)
    XCTAssertEqual(bias["se"] as? Double, 0.000682)
    XCTAssertEqual(rows[0]["seeds"] as? Int, 3)
    XCTAssertTrue(rows[2]["seeds"] is NSNull)
  }

  func testLaTeX() {
    let lines = sample().render(.latex).split(separator: "\n").map(String.init)
    XCTAssertEqual(lines, [
      "% needs \\usepackage{booktabs,siunitx,amsmath}",
      "\\begin{table}[htbp]",
      "\\centering",
      "\\caption{Two models \\& 100\\% of \\$x\\_1\\$}",
      "\\label{tab:two}",
      // seeds: 2 integer digits; sigma: 1.2; bias: sign, 1.4, two uncertainty digits.
      "\\begin{tabular}{l S[table-format=2.0] S[table-format=1.2] S[table-format=-1.4(2)]}",
      "\\toprule",
      "model & {seeds} & {$\\sigma_\\text{test}$} & {$b$} \\\\",
      "\\midrule",
      "noise\\_in & 3 & 0.5 & 0.3757(7) \\\\",
      "noise\\textbar{}out & 12 & 0.25 & -0.0028(11) \\\\",
      "exact & {--} & 0 & 0 \\\\",
      "\\bottomrule",
      "\\end{tabular}",
      "\\end{table}",
    ])
  }

  func testGroupsGetAHeaderRowWithRules() {
    var t = PaperTable(columns: [
      .init(name: "sigma_test"), .init(name: "bias", group: "in"), .init(name: "z", group: "in"),
      .init(name: "bias", group: "out_1"), .init(name: "z", group: "out_1"),
    ])
    t.append([.number(0.5), .measured(0.3757, se: 0.0007), .number(-0.69), .measured(-0.0028, se: 0.0011), .number(-1.07)])
    let latex = t.render(.latex)
    XCTAssertTrue(latex.contains(" & \\multicolumn{2}{c}{in} & \\multicolumn{2}{c}{out\\_1} \\\\\n\\cmidrule(lr){2-3} \\cmidrule(lr){4-5}\n"), latex)
    XCTAssertEqual(t.columns.map(\.key), ["sigma_test", "in.bias", "in.z", "out_1.bias", "out_1.z"])
    XCTAssertTrue(t.render(.markdown).hasPrefix("| sigma_test | in: bias | in: z | out_1: bias | out_1: z |"))
  }

  func testTableFormatCoversSignsUncertaintiesAndExponents() {
    var t = PaperTable(columns: [.init(name: "x")])
    for c: PaperTable.Cell in [.measured(0.3757, se: 0.0007), .measured(-0.0028, se: 0.0011), .measured(2.8e-5, se: 7e-6)] {
      t.append([c])
    }
    XCTAssertTrue(t.render(.latex).contains("S[table-format=-1.4(2)e-1]"))
  }

  func testTextCellsInANumericColumnAreBraced() {
    var t = PaperTable(columns: [.init(name: "x")])
    t.append([.number(.nan)])
    t.append([.number(1)])
    XCTAssertTrue(t.render(.latex).contains("{nan} \\\\"))
  }
}
