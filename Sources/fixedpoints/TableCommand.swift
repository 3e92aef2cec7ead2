import ArgumentParser
import Foundation
import Platform
import Reports

/// `fixedpoints table`: result files → one paper table (Reports' ResultTable).
struct TableCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "table",
    abstract: "Combine JSON results (analyze, paradox/merge, mechanism, moments, verify) into one paper table.",
    discussion: """
      Reads each FILE, and every *.json under each DIRECTORY (recursively, in name order), recognises which \
      command wrote it, and prints one table: one row per model (an analyzed checkpoint at one sigma_test; a \
      (placement, sigma_train) cell of a sweep; a moments file; a check), or with --rows sigma one row per \
      sigma_test with each model's columns side by side. A value with a standard error is written 0.3757(7) \
      in every format: the SE to 1 significant digit (2 when it starts with 1), the value to the same decimal.

      Example: fixedpoints table in.json out.json --format latex --caption "Bundled models" --label tab:bundled

      \(columnHelp)
      """)

  @Argument(help: "JSON result files or directories holding them.")
  var inputs: [String] = []

  @Option(help: "Comma-separated column names (default: the kind's usual columns; see below).")
  var columns: String?

  @Option(help: "model: one row per model or sweep cell; sigma: one row per sigma_test (analyze, paradox).")
  var rows: ResultTable.Rows = .model

  @Option(help: "analyze with --rows model: the noise level shown (default: the one nearest each model's sigma_train).")
  var sigma: Double?

  @Option(help: "analyze: which readout of a model with several outputs (0-based).")
  var output: Int = 0

  @Option(help: "Significant digits of numbers without a standard error (analytic values, settings).")
  var digits: Int = PaperNumber.significantDigits

  @Option(help: "text, markdown, csv, json or latex.")
  var format: PaperTableFormat = .text

  @Option(help: "The table's caption (LaTeX: \\caption, special characters escaped).")
  var caption: String?

  @Option(help: "LaTeX \\label key: letters, digits and : . _ - (e.g. tab:models).")
  var label: String?

  @Option(name: [.customShort("o"), .customLong("out")], help: "Write the table to this file instead of stdout.")
  var out: String?

  @OptionGroup var limits: LimitOptions

  static var columnHelp: String {
    var lines = ["Columns per kind (--rows model; with --rows sigma: analyze the same, paradox sigma_test, loss):"]
    for kind in ResultFile.Kind.allCases {
      lines.append("- \(kind.rawValue), from \(kind.source): " + ResultTable.columns(kind, rows: .model).map(\.name).joined(separator: ", "))
    }
    return lines.joined(separator: "\n")
  }

  func validate() throws {
    guard !inputs.isEmpty else { throw ValidationError("table needs at least one JSON file or directory") }
    if let label {
      do { try PaperTable.checkLabel(label) } catch { throw ValidationError("--label: \(error.description)") }
    }
    if let out { try OutputPath.validate(out, option: "-o/--out") }
  }

  func run() throws {
    let budget = try limits.budget()
    var files: [ResultFile] = []
    for path in try Self.expand(inputs) {
      // The whole file is held and parsed: its size against the budget
      // first (a parsed JSON tree takes several times the text).
      let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
      do { try budget.require(count: size, elementSize: 8, for: "reading \(path) (\(size) bytes)") } catch let e as PlatformError {
        throw ValidationError(ParameterFlags.message(e))
      }
      guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
      do { files.append(try ResultFile.read(data, path: path)) } catch { throw ValidationError(error.description) }
    }
    let names = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    let request = ResultTable.Request(
      columns: names, rows: rows, sigma: sigma, output: output, caption: caption, label: label,
      digits: digits)
    let table: PaperTable
    do { table = try ResultTable.build(files, request) } catch { throw ValidationError(error.description) }
    let text = table.render(format)
    if let out { try OutputFile.write(text, to: out) } else { print(text, terminator: "") }
  }

  /// Files as given; directories replaced by the *.json files under them,
  /// sorted by path so the row order does not depend on the file system.
  static func expand(_ inputs: [String]) throws -> [String] {
    var paths: [String] = []
    for input in inputs {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
        throw ValidationError("\(input): no such file or directory")
      }
      guard isDirectory.boolValue else {
        paths.append(input)
        continue
      }
      let base = URL(fileURLWithPath: input)
      guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else {
        throw ValidationError("cannot read directory \(input)")
      }
      var found: [String] = []
      for case let url as URL in walker where url.pathExtension.lowercased() == "json" {
        if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
          found.append(input.hasSuffix("/") ? input + relative(url, to: base) : input + "/" + relative(url, to: base))
        }
      }
      guard !found.isEmpty else { throw ValidationError("\(input): no .json files in this directory") }
      paths += found.sorted()
    }
    return paths
  }

  /// `url`'s path below `base`, so rows name files as the user gave them.
  static func relative(_ url: URL, to base: URL) -> String {
    let full = url.standardizedFileURL.path, root = base.standardizedFileURL.path
    return full.hasPrefix(root + "/") ? String(full.dropFirst(root.count + 1)) : url.lastPathComponent
  }
}

extension ResultTable.Rows: ExpressibleByArgument {}
extension PaperTableFormat: ExpressibleByArgument {}
