import Foundation

/// A table for a paper: columns with a plain-text name and a LaTeX math
/// header, cells that are text, numbers, or values with a standard error.
/// Rendered as text, Markdown, CSV, JSON and LaTeX (booktabs + siunitx) by
/// PaperTable+Rendering.swift; every format prints a value with an
/// uncertainty by `Uncertainty.format`'s rule (`0.3757(7)`).
///
/// Unlike `Table`, cells keep their numbers: each format decides how to
/// write them (LaTeX aligns them in siunitx `S` columns, JSON and CSV also
/// carry the raw value and SE for a program to read).
public struct PaperTable: Sendable, Equatable {
  public struct Column: Sendable, Equatable {
    /// Plain-text identifier: `--columns`, CSV and JSON keys (`sigma_test`).
    public var name: String
    /// For a terminal and Markdown (`σ_test`).
    public var display: String
    /// LaTeX, inserted as is: math (`$\sigma_\text{test}$`). Written by us,
    /// never from file content, so it is not escaped.
    public var latex: String
    /// A header over several columns (a model, a placement): LaTeX puts it
    /// on a row of its own with `\cmidrule`; other formats append it.
    public var group: String?

    public init(name: String, display: String? = nil, latex: String? = nil, group: String? = nil) {
      self.name = name
      self.display = display ?? name
      self.latex = latex ?? LaTeX.escape(name)
      self.group = group
    }

    /// The key in CSV and JSON: unique across groups (`noise-in.bias`).
    public var key: String { group.map { "\($0).\(name)" } ?? name }
    /// The header a terminal and Markdown show.
    public var header: String { group.map { "\($0): \(display)" } ?? display }
  }

  public enum Cell: Sendable, Equatable {
    case text(String)
    case integer(Int)
    case number(Double)
    /// A value and its standard error (≥ 0; 0: exact).
    case measured(Double, se: Double)
    case missing

    /// The cell as every format but JSON prints it; a number without an
    /// uncertainty to `digits` significant digits.
    public func formatted(digits: Int = PaperNumber.significantDigits) -> String {
      switch self {
      case .text(let s): s
      case .integer(let n): "\(n)"
      case .number(let x): PaperNumber.plain(x, significantDigits: digits)
      case .measured(let x, let se):
        se > 0 && se.isFinite ? Uncertainty.format(x, se: se) : PaperNumber.plain(x, significantDigits: digits)
      case .missing: "-"
      }
    }

    /// Numbers go into siunitx `S` columns; text does not.
    var isNumeric: Bool {
      switch self {
      case .integer: true
      case .number(let x), .measured(let x, _): x.isFinite
      case .text, .missing: false
      }
    }
  }

  public var columns: [Column]
  public var rows: [[Cell]]
  public var caption: String?
  /// The LaTeX `\label{}` key (letters, digits and `: . _ -`).
  public var label: String?
  /// Significant digits of numbers without an uncertainty.
  public var digits = PaperNumber.significantDigits

  public init(columns: [Column], rows: [[Cell]] = [], caption: String? = nil, label: String? = nil) {
    self.columns = columns
    self.rows = rows
    self.caption = caption
    self.label = label
  }

  public mutating func append(_ row: [Cell]) {
    precondition(row.count == columns.count, "PaperTable row has \(row.count) cells, expected \(columns.count)")
    rows.append(row)
  }

  /// Characters a `\label` key may hold: LaTeX writes the key to the .aux
  /// file unexpanded, so escaping cannot make `#`, `%`, `{`, `\` … safe;
  /// they are refused instead.
  public static func checkLabel(_ label: String) throws(PaperTableError) {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:._-")
    guard !label.isEmpty, label.allSatisfy({ allowed.contains($0) }) else { throw .badLabel(label) }
  }
}

/// The output formats of `PaperTable`.
public enum PaperTableFormat: String, CaseIterable, Sendable {
  case text, markdown, csv, json, latex
}

public enum PaperTableError: Error, Equatable, CustomStringConvertible {
  case badLabel(String)

  public var description: String {
    switch self {
    case .badLabel(let l):
      "label '\(l)' is not a LaTeX label key: use letters, digits and : . _ - (e.g. tab:bundled-models)"
    }
  }
}
