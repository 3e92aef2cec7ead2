import Foundation
import Platform

extension PaperTable {
  public func render(_ format: PaperTableFormat) -> String {
    switch format {
    case .text: renderText()
    case .markdown: renderMarkdown()
    case .csv: renderCSV()
    case .json: renderJSON()
    case .latex: renderLaTeX()
    }
  }

  /// Text cells may quote file content (a model's path): no control bytes.
  private func clean(_ s: String) -> String { TerminalText.sanitize(s) }

  private func numericColumns() -> [Bool] {
    columns.indices.map { j in
      let cells = rows.map { $0[j] }
      return cells.contains(where: \.isNumeric)
        && cells.allSatisfy { if case .text = $0 { return false } else { return true } }
    }
  }

  // MARK: Text

  private func renderText() -> String {
    let headers = columns.map { clean($0.header) }
    let body = rows.map { $0.map { clean($0.formatted(digits: digits)) } }
    let numeric = numericColumns()
    let widths = columns.indices.map { j in ([headers[j]] + body.map { $0[j] }).map(\.count).max() ?? 0 }
    func line(_ cells: [String]) -> String {
      cells.indices.map { j in
        let fill = String(repeating: " ", count: max(0, widths[j] - cells[j].count))
        return numeric[j] ? fill + cells[j] : cells[j] + fill
      }.joined(separator: "  ")
    }
    var out: [String] = []
    if let caption { out.append(clean(caption)) }
    out.append(line(headers))
    out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    out += body.map(line)
    return out.joined(separator: "\n") + "\n"
  }

  // MARK: Markdown

  private func renderMarkdown() -> String {
    func cell(_ s: String) -> String { clean(s).replacingOccurrences(of: "|", with: "\\|") }
    let numeric = numericColumns()
    var out: [String] = []
    if let caption { out.append("**\(cell(caption))**\n") }
    out.append("| " + columns.map { cell($0.header) }.joined(separator: " | ") + " |")
    out.append("|" + numeric.map { $0 ? " ---: |" : " :--- |" }.joined())
    out += rows.map { "| " + $0.map { cell($0.formatted(digits: digits)) }.joined(separator: " | ") + " |" }
    return out.joined(separator: "\n") + "\n"
  }

  // MARK: CSV

  /// One column per table column, holding what the other formats print;
  /// after a column with values with an uncertainty, `<key>_value` and
  /// `<key>_se` with every digit, for a program. RFC 4180 quoting.
  private func renderCSV() -> String {
    func field(_ s: String) -> String {
      let s = TerminalText.sanitize(s, keeping: ["\n", "\r"])
      return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    let measured = columns.indices.map { j in rows.contains { if case .measured = $0[j] { true } else { false } } }
    var header: [String] = []
    for (j, c) in columns.enumerated() {
      header.append(c.key)
      if measured[j] { header += [c.key + "_value", c.key + "_se"] }
    }
    var lines = [header.map(field).joined(separator: ",")]
    for row in rows {
      var fields: [String] = []
      for (j, cell) in row.enumerated() {
        fields.append(cell == .missing ? "" : cell.formatted(digits: digits))
        guard measured[j] else { continue }
        switch cell {
        case .measured(let x, let se): fields += ["\(x)", "\(se)"]
        case .number(let x): fields += ["\(x)", ""]
        default: fields += ["", ""]
        }
      }
      lines.append(fields.map(field).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  // MARK: JSON

  /// `{"caption", "label", "columns": [{name, display, latex, group, key}],
  /// "rows": [{key: cell}]}`: a number is a number, a value with an
  /// uncertainty `{"formatted", "value", "se"}`, a missing cell null.
  private func renderJSON() -> String {
    // Not JSONOutput's encoder: its snake_case strategy would rewrite
    // column keys (a group "NoiseIn" would become "noise_in").
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    // Encoding strings, numbers and dictionaries of them cannot fail.
    return ((try? encoder.encode(JSONForm(self))).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
  }

  private struct JSONForm: Encodable {
    struct ColumnForm: Encodable {
      var name, display, latex, key: String
      var group: String?
    }
    struct Measured: Encodable {
      var formatted: String
      var value, se: Double
    }
    struct Value: Encodable {
      var cell: Cell
      func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch cell {
        case .text(let s): try c.encode(s)
        case .integer(let n): try c.encode(n)
        case .number(let x): try c.encode(x)
        case .measured(let x, let se): try c.encode(Measured(formatted: cell.formatted(), value: x, se: se))
        case .missing: try c.encodeNil()
        }
      }
    }
    var caption, label: String?
    var columns: [ColumnForm]
    var rows: [[String: Value]]

    init(_ t: PaperTable) {
      caption = t.caption
      label = t.label
      columns = t.columns.map { ColumnForm(name: $0.name, display: $0.display, latex: $0.latex, key: $0.key, group: $0.group) }
      rows = t.rows.map { row in
        Dictionary(uniqueKeysWithValues: zip(t.columns.map(\.key), row.map { Value(cell: $0) }))
      }
    }

    // Explicit keys: the snake_case strategy must not touch column keys.
    enum CodingKeys: String, CodingKey { case caption, label, columns, rows }
    func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encodeIfPresent(caption, forKey: .caption)
      try c.encodeIfPresent(label, forKey: .label)
      try c.encode(columns, forKey: .columns)
      var rowsContainer = c.nestedUnkeyedContainer(forKey: .rows)
      for row in rows {
        var r = rowsContainer.nestedContainer(keyedBy: AnyKey.self)
        for (k, v) in row { try r.encode(v, forKey: AnyKey(k)) }
      }
    }
    struct AnyKey: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(_ s: String) { stringValue = s }
      init?(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }
  }

  // MARK: LaTeX

  /// A complete `table` float: booktabs rules, numbers in siunitx `S`
  /// columns (their `table-format` measured from the cells, so `0.3757(7)`
  /// and `2.8(7)e-5` align on the decimal point), math headers, a group
  /// header row with `\cmidrule`s, `\caption` and `\label`. Needs
  /// `\usepackage{booktabs,siunitx,amsmath}` (amsmath for `\text` in
  /// headers); a comment in the output says so.
  private func renderLaTeX() -> String {
    let numeric = numericColumns()
    var spec: [String] = []
    for (j, isNumeric) in numeric.enumerated() {
      spec.append(isNumeric ? "S[table-format=\(Self.tableFormat(rows.map { $0[j] }, digits: digits))]" : "l")
    }
    func cell(_ c: Cell, numeric: Bool) -> String {
      switch c {
      case .missing: return numeric ? "{--}" : "--"
      case .text(let s): return numeric ? "{" + LaTeX.escape(s) + "}" : LaTeX.escape(s)
      default:
        // Non-finite numbers are not siunitx input: braced text.
        return c.isNumeric ? c.formatted(digits: digits) : (numeric ? "{" + LaTeX.escape(c.formatted(digits: digits)) + "}" : LaTeX.escape(c.formatted(digits: digits)))
      }
    }
    var out = [
      "% needs \\usepackage{booktabs,siunitx,amsmath}", "\\begin{table}[htbp]", "\\centering",
    ]
    if let caption { out.append("\\caption{\(LaTeX.escape(caption))}") }
    if let label { out.append("\\label{\(label)}") }
    out.append("\\begin{tabular}{" + spec.joined(separator: " ") + "}")
    out.append("\\toprule")
    // Group header: runs of adjacent columns with the same group.
    if columns.contains(where: { $0.group != nil }) {
      var cells: [String] = [], rules: [String] = []
      var j = 0
      while j < columns.count {
        var k = j
        while k + 1 < columns.count, columns[k + 1].group == columns[j].group { k += 1 }
        let n = k - j + 1
        if let g = columns[j].group {
          cells.append("\\multicolumn{\(n)}{c}{\(LaTeX.escape(g))}")
          rules.append("\\cmidrule(lr){\(j + 1)-\(k + 1)}")
        } else {
          cells += Array(repeating: "", count: n)
        }
        j = k + 1
      }
      out.append(cells.joined(separator: " & ") + " \\\\")
      out.append(rules.joined(separator: " "))
    }
    // Headers in S columns are braced so siunitx does not parse them.
    out.append(columns.indices.map { numeric[$0] ? "{" + columns[$0].latex + "}" : columns[$0].latex }.joined(separator: " & ") + " \\\\")
    out.append("\\midrule")
    out += rows.map { row in row.indices.map { cell(row[$0], numeric: numeric[$0]) }.joined(separator: " & ") + " \\\\" }
    out += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
    return out.joined(separator: "\n") + "\n"
  }

  /// siunitx's `table-format` covering every numeric cell of a column:
  /// sign, integer digits, decimals, uncertainty digits, exponent sign and
  /// digits (e.g. `-1.4(2)e-1`), from the printed strings themselves.
  static func tableFormat(_ cells: [Cell], digits: Int) -> String {
    var sign = false, integer = 1, decimals = 0, uncertainty = 0, expSign = false, expDigits = 0
    for c in cells where c.isNumeric {
      var s = Substring(c.formatted(digits: digits))
      if s.hasPrefix("-") { sign = true; s = s.dropFirst() }
      var mantissa = s, exp: Substring = ""
      if let e = s.firstIndex(of: "e") { mantissa = s[..<e]; exp = s[s.index(after: e)...] }
      if exp.hasPrefix("-") { expSign = true; exp = exp.dropFirst() }
      if !exp.isEmpty { expDigits = max(expDigits, exp.count) }
      var number = mantissa
      if let p = mantissa.firstIndex(of: "(") {
        number = mantissa[..<p]
        uncertainty = max(uncertainty, mantissa[mantissa.index(after: p)...].filter(\.isNumber).count)
      }
      let parts = number.split(separator: ".", omittingEmptySubsequences: false)
      integer = max(integer, parts[0].count)
      if parts.count > 1 { decimals = max(decimals, parts[1].count) }
    }
    var f = (sign ? "-" : "") + "\(integer).\(decimals)"
    if uncertainty > 0 { f += "(\(uncertainty))" }
    if expDigits > 0 { f += "e" + (expSign ? "-" : "") + "\(expDigits)" }
    return f
  }
}
