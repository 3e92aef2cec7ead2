import Foundation
import GSL
import GaussianMoments
import Safetensors
import XCTest

@testable import Feedforward

final class MLPCheckpointTests: XCTestCase {
  func sample() throws -> MLP {
    var net = try MLP.random(sizes: [2, 5, 3, 1], activation: .softplus, noise: .outside, sigmaTrain: 0.25, seed: 7)
    net.task = "function"
    net.seed = "7"
    net.loss = 0.0123
    net.extraMetadata = ["note": "kept"]
    return net
  }

  func testRoundTripThroughBytesAndFile() throws {
    let net = try sample()
    let bytes = try net.safetensorsBytes()
    let back = try MLP(safetensors: bytes)
    XCTAssertEqual(back, net)
    XCTAssertEqual(try back.safetensorsBytes(), bytes, "canonical encoding: equal models give equal bytes")

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("m.ckpt").path
    try net.write(toPath: path)
    XCTAssertEqual(try MLP(contentsOf: URL(fileURLWithPath: path)), net)
  }

  func testMetadataNamesTheArchitecture() throws {
    let file = try sample().safetensorsFile()
    XCTAssertEqual(file.metadata["architecture"], "mlp")
    XCTAssertEqual(file.metadata["layers"], "2,5,3,1")
    XCTAssertEqual(file.metadata["activation"], "softplus")
    XCTAssertEqual(file.metadata["noise"], "out")
    XCTAssertEqual(file.metadata["sigma_train"], "0.25")
    XCTAssertEqual(Set(file.tensors.keys), ["W0", "b0", "W1", "b1", "W2", "b2"])
    XCTAssertEqual(file.tensors["W1"]?.shape, [3, 5])
  }

  /// A CTRNN checkpoint's tensors and metadata, as CTRNN writes them.
  func ctrnnFile(architecture: String?) -> SafetensorsFile {
    var metadata = [
      "format": "fixedpoints-ctrnn/1", "activation": "relu", "noise": "in", "sigma_train": "0.5", "dt": "0.1", "tau": "1",
    ]
    if let architecture { metadata["architecture"] = architecture }
    return SafetensorsFile(
      tensors: [
        "W_rec": .init(dtype: .f64, shape: [1, 1], values: [0.5]),
        "W_in": .init(dtype: .f64, shape: [1, 1], values: [1]),
        "b": .init(dtype: .f64, shape: [1], values: [0]),
        "W_out": .init(dtype: .f64, shape: [1, 1], values: [1]),
        "b_out": .init(dtype: .f64, shape: [1], values: [0]),
      ], metadata: metadata)
  }

  func testCTRNNCheckpointIsNamedInOneLine() {
    for architecture in [nil, "ctrnn"] {
      XCTAssertThrowsError(try MLP(safetensors: ctrnnFile(architecture: architecture))) { error in
        XCTAssertEqual(error as? MLPError, .wrongArchitecture(found: "ctrnn", reader: "fixedpoints analyze"))
        let message = "\(error)"
        XCTAssertTrue(message.contains("ctrnn") && message.contains("fixedpoints analyze"), message)
        XCTAssertFalse(message.contains("\n"))
      }
    }
  }

  func testLayersMetadataMustAgreeWithTensors() throws {
    var file = try sample().safetensorsFile()
    file.metadata["layers"] = "2,5,3"
    XCTAssertThrowsError(try MLP(safetensors: file)) { error in
      guard case .shapeMismatch(let m)? = error as? MLPError else { return XCTFail("\(error)") }
      XCTAssertTrue(m.contains("W2"), m)
    }
    file = try sample().safetensorsFile()
    file.tensors["b1"] = nil
    XCTAssertThrowsError(try MLP(safetensors: file)) { XCTAssertEqual($0 as? MLPError, .missingTensor("b1")) }
    file = try sample().safetensorsFile()
    file.metadata["architecture"] = "dae"
    XCTAssertThrowsError(try MLP(safetensors: file)) { error in
      guard case .badMetadata(let m)? = error as? MLPError else { return XCTFail("\(error)") }
      XCTAssertTrue(m.contains("'dae'"), m)
    }
    file = try sample().safetensorsFile()
    file.tensors["W0"]?.values[0] = .nan
    XCTAssertThrowsError(try MLP(safetensors: file)) { error in
      guard case .nonFiniteWeight? = error as? MLPError else { return XCTFail("\(error)") }
    }
  }
}
