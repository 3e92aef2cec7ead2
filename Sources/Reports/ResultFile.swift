import Foundation
import Training

/// The JSON output of one command, recognised by its keys, for
/// `fixedpoints table`. Only the fields a table shows are decoded (mirrors
/// of the reports' JSON, which is the documented interface, not the Swift
/// report types, which are Encodable only).
public struct ResultFile: Sendable {
  public enum Kind: String, CaseIterable, Sendable {
    case analyze, paradox, mechanism, debias, moments, verify

    /// Which command writes it, for messages and help.
    public var source: String {
      switch self {
      case .analyze: "analyze --json (or report.json of analyze --out)"
      case .paradox: "paradox/merge results (--out FILE or --json)"
      case .mechanism: "mechanism --json"
      case .debias: "debias RESULTS.json --json (a kept sweep)"
      case .moments: "moments --json"
      case .verify: "verify --json"
      }
    }
  }

  public let path: String
  public let kind: Kind
  let content: Content

  enum Content: Sendable {
    case analyze(AnalyzeJSON)
    case paradox(ParadoxSummary)
    case mechanism(MechanismJSON)
    case debias(DebiasSweepJSON)
    case moments(MomentsJSON)
    case verify(VerifyJSON)
  }

  /// The file's name without directory and extension: a model's label.
  public var stem: String { Self.stem(path) }

  static func stem(_ path: String) -> String {
    let base = (path as NSString).lastPathComponent
    let ext = (base as NSString).pathExtension
    return ext.isEmpty ? base : String(base.dropLast(ext.count + 1))
  }

  /// Recognises and decodes `data` (the contents of `path`).
  public static func read(_ data: Data, path: String) throws(ResultTableError) -> ResultFile {
    let object: [String: Any]
    do {
      guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw ResultTableError.unknownKind(path: path, keys: [])
      }
      object = o
    } catch let e as ResultTableError {
      throw e
    } catch {
      throw .notJSON(path: path)
    }
    let keys = Set(object.keys)
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    func decode<T: Decodable>(_ type: T.Type, _ kind: Kind, from data: Data = data) throws(ResultTableError) -> T {
      do { return try decoder.decode(type, from: data) } catch {
        throw .malformed(path: path, kind: kind, detail: Self.describe(error))
      }
    }
    if keys.isSuperset(of: ["model", "noise_levels", "fixed_points"]) {
      return ResultFile(path: path, kind: .analyze, content: .analyze(try decode(AnalyzeJSON.self, .analyze)))
    }
    if keys.isSuperset(of: ["cells", "networks", "verdict"]) {
      return ResultFile(path: path, kind: .mechanism, content: .mechanism(try decode(MechanismJSON.self, .mechanism)))
    }
    if keys.isSuperset(of: ["cells", "networks", "results", "task"]) {
      return ResultFile(path: path, kind: .debias, content: .debias(try decode(DebiasSweepJSON.self, .debias)))
    }
    if keys.isSuperset(of: ["checks", "passed"]) {
      return ResultFile(path: path, kind: .verify, content: .verify(try decode(VerifyJSON.self, .verify)))
    }
    if keys.isSuperset(of: ["activation", "mu", "sigma", "mean", "variance"]) {
      return ResultFile(path: path, kind: .moments, content: .moments(try decode(MomentsJSON.self, .moments)))
    }
    // paradox --out / merge: the results object; paradox --json: it under "results".
    var resultsData: Data?
    if object["format"] as? String == ParadoxResults.formatVersion {
      resultsData = data
    } else if let inner = object["results"] as? [String: Any], inner["format"] as? String == ParadoxResults.formatVersion {
      resultsData = try? JSONSerialization.data(withJSONObject: inner)
    }
    if let resultsData {
      do {
        return ResultFile(path: path, kind: .paradox, content: .paradox(ParadoxSummary(try ParadoxResults.decode(from: resultsData))))
      } catch {
        throw .malformed(path: path, kind: .paradox, detail: describe(error))
      }
    }
    throw .unknownKind(path: path, keys: keys.sorted())
  }

  /// A decoding error in one phrase: which key, what was wrong.
  static func describe(_ error: any Error) -> String {
    func path(_ c: DecodingError.Context) -> String {
      c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case DecodingError.keyNotFound(let key, let c):
      return "missing key '\(key.stringValue)'" + (c.codingPath.isEmpty ? "" : " in \(path(c))")
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
      return "wrong type at \(path(c))"
    case DecodingError.dataCorrupted(let c):
      return "bad value at \(path(c)): \(c.debugDescription)"
    default:
      return "\(error)"
    }
  }
}

// MARK: - The JSON shapes read (subsets of each report's documented JSON)

struct AnalyzeJSON: Decodable, Sendable {
  struct Model: Decodable, Sendable {
    var path: String
    var hidden, outputs: Int
    var activation, noise: String
    var sigmaTrain: Double
    var task: String?
  }
  struct Level: Decodable, Sendable {
    var sigma: Double
    var analyticMeanField, analyticClosure, analyticSmallNoise, analyticBias, z: [Double]?
    var simulatedMean, simulatedSe, bias: [Double]
    var outputError, outputErrorClosure: Double?
  }
  struct FixedPoint: Decodable, Sendable {
    var readout: [Double]
    var reference: Bool
  }
  var model: Model
  var fixedPoints: [FixedPoint]
  var noiseLevels: [Level]
  var optimumSigma, worstZ: Double?
}

struct MechanismJSON: Decodable, Sendable {
  struct Stat: Decodable, Sendable {
    var mean: Double?
    var se: Double
    var n: Int
  }
  struct Cell: Decodable, Sendable {
    var noise: String
    var sigmaTrain: Double
    var seeds: Int
    var measuredOptimum, predictedOptimum, measuredLossAtZero, predictedLossAtZero: Stat
    var measuredLossAtTrain, predictedLossAtTrain, simulatedBias, closureBias, meanFieldBias: Stat
    var nearFraction, meanDistanceInSd: Stat
    var optimumAgrees, lossAgrees: Int
  }
  var task, activation: String
  var cells: [Cell]
}

struct DebiasSweepJSON: Decodable, Sendable {
  struct Cell: Decodable, Sendable {
    var noise: String
    var sigmaTrain: Double
    var seeds, networks: Int
    var lossAtZeroBefore, lossAtZeroAfter, lossAtSigmaBefore, penaltyRemaining: MechanismJSON.Stat
  }
  var task, activation: String
  var cells: [Cell]
}

struct MomentsJSON: Decodable, Sendable {
  struct MonteCarlo: Decodable, Sendable {
    var samples: Int
    var mean, secondMoment, variance, meanSlope, bias: Double
    var meanSe, secondMomentSe, varianceSe, meanSlopeSe, biasSe: Double
  }
  var activation, method: String
  var mu, sigma, mean, secondMoment, variance, meanSlope, bias, errorBound: Double
  var monteCarlo: MonteCarlo?
}

struct VerifyJSON: Decodable, Sendable {
  struct Check: Decodable, Sendable {
    var name: String
    var passed: Bool
    var worstError, tolerance: Double
    var unit: String
    var error: String?
  }
  var checks: [Check]
  var passed: Bool
}
