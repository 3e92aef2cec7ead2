import Foundation
import Platform

/// A table of already-formatted cells, rendered for a terminal, a paper
/// (LaTeX booktabs), a README (Markdown) or a spreadsheet (CSV).
///
/// Numbers are formatted by the caller, once, so every format prints the
/// same digits.
public struct Table: Sendable, Equatable {
  public enum Alignment: Sendable { case left, right }

  public var columns: [String]
  public var alignments: [Alignment]
  public var rows: [[String]]
  public var caption: String?

  public init(columns: [String], alignments: [Alignment]? = nil, rows: [[String]] = [], caption: String? = nil) {
    self.columns = columns
    self.alignments = alignments ?? columns.indices.map { $0 == 0 ? .left : .right }
    self.rows = rows
    self.caption = caption
  }

  public mutating func append(_ row: [String]) {
    precondition(row.count == columns.count, "Table row has \(row.count) cells, expected \(columns.count)")
    rows.append(row)
  }
}

/// The output formats of every command that prints a table.
public enum TableFormat: String, CaseIterable, Sendable {
  case terminal, markdown, csv, latex
}

extension Table {
  public func render(_ format: TableFormat) -> String {
    // Cells may quote file content (checkpoint metadata): no control bytes
    // reach the terminal, and no newline breaks a row (CSV quotes a field
    // with a line break instead, RFC 4180).
    let keep: Set<Unicode.Scalar> = format == .csv ? ["\n", "\r"] : []
    func clean(_ s: String) -> String { TerminalText.sanitize(s, keeping: keep) }
    var table = self
    table.columns = columns.map(clean)
    table.rows = rows.map { $0.map(clean) }
    table.caption = caption.map(clean)
    return table.renderSanitized(format)
  }

  private func renderSanitized(_ format: TableFormat) -> String {
    switch format {
    case .terminal: return renderTerminal()
    case .markdown: return renderMarkdown()
    case .csv: return renderCSV()
    case .latex: return renderLaTeX()
    }
  }

  private func widths() -> [Int] {
    columns.indices.map { j in
      ([columns[j]] + rows.map { $0[j] }).map(\.count).max() ?? 0
    }
  }

  private func pad(_ s: String, _ width: Int, _ alignment: Alignment) -> String {
    let fill = String(repeating: " ", count: Swift.max(0, width - s.count))
    return alignment == .left ? s + fill : fill + s
  }

  private func renderTerminal() -> String {
    let w = widths()
    func line(_ cells: [String]) -> String {
      cells.indices.map { pad(cells[$0], w[$0], alignments[$0]) }.joined(separator: "  ")
    }
    var out: [String] = []
    if let caption { out.append(caption) }
    out.append(line(columns))
    out.append(w.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    out += rows.map(line)
    return out.joined(separator: "\n") + "\n"
  }

  private func renderMarkdown() -> String {
    func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
    var out: [String] = []
    if let caption { out.append("**\(escape(caption))**\n") }
    out.append("| " + columns.map(escape).joined(separator: " | ") + " |")
    out.append("|" + alignments.map { $0 == .left ? " :--- |" : " ---: |" }.joined())
    out += rows.map { "| " + $0.map(escape).joined(separator: " | ") + " |" }
    return out.joined(separator: "\n") + "\n"
  }

  /// RFC 4180: quote a field holding a comma, quote or newline; double quotes.
  private func renderCSV() -> String {
    func field(_ s: String) -> String {
      s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    return ([columns] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
  }

  private func renderLaTeX() -> String {
    // The paper tables' escaping: specials, and Unicode pdflatex cannot set.
    func escape(_ s: String) -> String { LaTeX.escape(s) }
    let spec = alignments.map { $0 == .left ? "l" : "r" }.joined()
    var out = ["\\begin{table}[ht]", "\\centering"]
    if let caption { out.append("\\caption{\(escape(caption))}") }
    out.append("\\begin{tabular}{\(spec)}")
    out.append("\\toprule")
    out.append(columns.map(escape).joined(separator: " & ") + " \\\\")
    out.append("\\midrule")
    out += rows.map { $0.map(escape).joined(separator: " & ") + " \\\\" }
    out += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
    return out.joined(separator: "\n") + "\n"
  }
}

extension TableFormat {
  /// A report's tables framed by its heading line and its closing line (a
  /// verdict, a conclusion): CSV is the tables alone, since a spreadsheet
  /// reads cells only; LaTeX carries the two lines as comments, so the file
  /// still compiles; Markdown as paragraphs. The terminal framing is each
  /// report's own (it may add lines), so the caller gives it.
  public func frame(_ body: String, heading: String, closing: String, terminal: () -> String) -> String {
    switch self {
    case .csv: return body
    case .markdown: return heading + "\n\n" + body + "\n" + closing + "\n"
    case .latex: return "% " + heading + "\n" + body + "% " + closing + "\n"
    case .terminal: return terminal()
    }
  }
}
