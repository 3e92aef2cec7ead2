import Foundation
import Training

/// `fixedpoints table`: result files of any kind combined into one
/// `PaperTable`. Each kind offers named columns (`columns(_:rows:)`);
/// rows are one per model — an analyzed checkpoint at one σ, a (placement,
/// σ_train) cell of a sweep, a moments file, a check — or one per σ_test,
/// with each model's columns side by side under its name.
public enum ResultTable {
  public enum Rows: String, CaseIterable, Sendable {
    case model, sigma
  }

  public struct Request: Sendable {
    /// nil: the kind's default columns.
    public var columns: [String]?
    public var rows: Rows
    /// `--rows model` for analyze: the noise level shown (nil: the one
    /// nearest each model's σ_train).
    public var sigma: Double?
    /// Which readout of a model with several outputs.
    public var output: Int
    public var caption, label: String?
    /// Significant digits of numbers without an uncertainty.
    public var digits: Int

    public init(
      columns: [String]? = nil, rows: Rows = .model, sigma: Double? = nil, output: Int = 0, caption: String? = nil,
      label: String? = nil, digits: Int = PaperNumber.significantDigits
    ) {
      self.digits = digits
      self.columns = columns
      self.rows = rows
      self.sigma = sigma
      self.output = output
      self.caption = caption
      self.label = label
    }
  }

  /// Combines `files` into one table.
  public static func build(_ files: [ResultFile], _ request: Request) throws(ResultTableError) -> PaperTable {
    guard !files.isEmpty else { throw .noFiles }
    guard (1...17).contains(request.digits) else { throw .badDigits(request.digits) }
    if let label = request.label {
      do { try PaperTable.checkLabel(label) } catch { throw .badLabel(error.description) }
    }
    let kinds = uniqueKinds(files)
    if request.rows == .sigma, let k = kinds.first(where: { $0 != .analyze && $0 != .paradox }) { throw .noSigmaRows(k) }
    // --sigma picks an analyze level for one row per model; anywhere else
    // it would be ignored without a word.
    if request.sigma != nil, request.rows == .sigma || kinds != [.analyze] { throw .sigmaNotApplicable }
    // The columns asked for (or the one kind's defaults), each checked
    // against every kind present.
    let names: [String]
    if let asked = request.columns {
      names = asked
    } else if kinds.count == 1 {
      names = defaults(kinds[0], rows: request.rows)
    } else {
      throw .mixedKinds(kinds.map(\.rawValue))
    }
    guard !names.isEmpty else { throw .noColumns }
    var specs: [ColumnSpec] = []
    for name in names {
      var found: ColumnSpec?
      for kind in kinds {
        guard let spec = resolve(name, kind: kind, rows: request.rows) else {
          throw .unknownColumn(name: name, kind: kind, rows: request.rows, available: columns(kind, rows: request.rows).map(\.name))
        }
        found = found ?? spec
      }
      if let found { specs.append(found) }
    }
    var table: PaperTable
    switch request.rows {
    case .model:
      var records: [[String: PaperTable.Cell]] = []
      for f in files { records += try modelRecords(f, request) }
      table = PaperTable(columns: specs.map { $0.column() })
      for r in records { table.append(specs.map { r[$0.name] ?? .missing }) }
    case .sigma:
      var series: [Series] = []
      for f in files { series += try sigmaSeries(f, request, several: files.filter { $0.kind == f.kind }.count > 1) }
      table = sigmaTable(series, specs: specs)
    }
    table.caption = request.caption
    table.label = request.label
    table.digits = request.digits
    return table
  }

  static func uniqueKinds(_ files: [ResultFile]) -> [ResultFile.Kind] {
    var seen: [ResultFile.Kind] = []
    for f in files where !seen.contains(f.kind) { seen.append(f.kind) }
    return seen
  }

  /// `sigma` names σ_test where a kind has no column of its own by that name.
  static func resolve(_ name: String, kind: ResultFile.Kind, rows: Rows) -> ColumnSpec? {
    let all = columns(kind, rows: rows)
    return all.first { $0.name == name } ?? (name == "sigma" ? all.first { $0.name == "sigma_test" } : nil)
  }

  // MARK: One row per σ_test

  /// One model's rows keyed by σ_test, under its group header.
  struct Series {
    var group: String
    var rows: [(sigma: Double, cells: [String: PaperTable.Cell])]
  }

  static func sigmaTable(_ series: [Series], specs: [ColumnSpec]) -> PaperTable {
    // σ_test first, once; each series' other columns after it, grouped
    // under the series' name when there are several.
    let perSeries = specs.filter { $0.name != "sigma_test" }
    let grouped = series.count > 1
    var columns = [sigmaTestSpec.column()]
    for s in series { columns += perSeries.map { $0.column(group: grouped ? s.group : nil) } }
    var table = PaperTable(columns: columns)
    // The union of every series' σ, in increasing order; two σ within
    // 1e-9 are one (0.1·3 and 0.3 from different grids).
    var sigmas: [Double] = []
    for x in series.flatMap({ $0.rows.map(\.sigma) }).sorted() where sigmas.last.map({ abs($0 - x) > 1e-9 }) ?? true {
      sigmas.append(x)
    }
    for x in sigmas {
      var row: [PaperTable.Cell] = [.number(x)]
      for s in series {
        let cells = s.rows.first { abs($0.sigma - x) <= 1e-9 }?.cells
        row += perSeries.map { cells?[$0.name] ?? .missing }
      }
      table.append(row)
    }
    return table
  }
}

/// A column a kind offers: its name, its headers.
public struct ColumnSpec: Sendable, Equatable {
  public var name, display, latex: String
  /// What it holds, for `--help`.
  public var meaning: String

  func column(group: String? = nil) -> PaperTable.Column {
    PaperTable.Column(name: name, display: display, latex: latex, group: group)
  }
}

public enum ResultTableError: Error, Equatable, CustomStringConvertible {
  case noFiles
  case notJSON(path: String)
  case unknownKind(path: String, keys: [String])
  case malformed(path: String, kind: ResultFile.Kind, detail: String)
  case unknownColumn(name: String, kind: ResultFile.Kind, rows: ResultTable.Rows, available: [String])
  case mixedKinds([String])
  case noColumns
  case noSigmaRows(ResultFile.Kind)
  case sigmaNotALevel(path: String, sigma: Double, levels: [Double])
  case outputOutOfRange(path: String, output: Int, outputs: Int)
  case badLabel(String)
  case badDigits(Int)
  case sigmaNotApplicable

  public var description: String {
    switch self {
    case .noFiles:
      "no result files: give JSON files or directories holding them"
    case .notJSON(let path):
      "\(path) is not JSON"
    case .unknownKind(let path, let keys):
      "\(path) is not a JSON output of analyze, paradox/merge, mechanism, moments or verify"
        + (keys.isEmpty ? " (not a JSON object)" : " (its keys: \(keys.prefix(8).joined(separator: ", ")))")
    case .malformed(let path, let kind, let detail):
      "\(path) looks like \(kind.source) but cannot be read: \(detail)"
    case .unknownColumn(let name, let kind, let rows, let available):
      "no column '\(name)' for \(kind.rawValue) results with --rows \(rows.rawValue); available: \(available.joined(separator: ","))"
    case .mixedKinds(let kinds):
      "the files are of several kinds (\(kinds.joined(separator: ", "))): give --columns with columns they all have"
    case .noColumns:
      "--columns is empty"
    case .noSigmaRows(let kind):
      "\(kind.rawValue) results have no rows per sigma_test; use --rows model"
    case .sigmaNotALevel(let path, let sigma, let levels):
      "--sigma \(sigma) is not a noise level of \(path) (its levels: \(levels.map { PaperNumber.plain($0) }.joined(separator: ",")))"
    case .outputOutOfRange(let path, let output, let outputs):
      "--output \(output): \(path) has \(outputs) output(s) (0 to \(outputs - 1))"
    case .badLabel(let message):
      "--label: \(message)"
    case .sigmaNotApplicable:
      "--sigma chooses the noise level of analyze results with --rows model; it applies to nothing else"
    case .badDigits(let n):
      "--digits \(n): give 1 to 17 significant digits"
    }
  }
}
