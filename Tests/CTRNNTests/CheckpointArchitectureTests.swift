import Safetensors
import XCTest

@testable import CTRNN

/// A checkpoint of another model kind (metadata `architecture`) is refused
/// in one line naming it, before any tensor is looked for.
final class CheckpointArchitectureTests: XCTestCase {
  func testMLPCheckpointIsNamed() {
    let file = SafetensorsFile(
      tensors: [
        "W0": .init(dtype: .f64, shape: [2, 1], values: [1, -1]), "b0": .init(dtype: .f64, shape: [2], values: [0, 0]),
        "W1": .init(dtype: .f64, shape: [1, 2], values: [1, 1]), "b1": .init(dtype: .f64, shape: [1], values: [0]),
      ],
      metadata: [
        "format": "fixedpoints-mlp/1", "architecture": "mlp", "layers": "1,2,1", "activation": "relu", "noise": "in",
        "sigma_train": "0.5",
      ])
    XCTAssertThrowsError(try Checkpoint(safetensors: file)) { error in
      let message = "\(error)"
      XCTAssertEqual(
        message, "checkpoint metadata: architecture is 'mlp', not ctrnn: this is not a CTRNN checkpoint; read it with fixedpoints analyze-mlp")
    }
  }

  func testCTRNNArchitectureIsAccepted() throws {
    var file = SafetensorsFile(
      tensors: [
        "W_rec": .init(dtype: .f64, shape: [1, 1], values: [0.5]), "W_in": .init(dtype: .f64, shape: [1, 1], values: [1]),
        "b": .init(dtype: .f64, shape: [1], values: [0]), "W_out": .init(dtype: .f64, shape: [1, 1], values: [1]),
        "b_out": .init(dtype: .f64, shape: [1], values: [0]),
      ],
      metadata: ["activation": "relu", "noise": "in", "sigma_train": "0.5", "dt": "0.1", "tau": "1"])
    XCTAssertNoThrow(try Checkpoint(safetensors: file))
    file.metadata["architecture"] = "ctrnn"
    XCTAssertEqual(try Checkpoint(safetensors: file).extraMetadata["architecture"], "ctrnn")
  }
}
