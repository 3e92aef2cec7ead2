import Foundation
import Safetensors

/// The model kind a checkpoint names in its `architecture` metadata, read
/// from the safetensors header alone (the tensors are not loaded), so that
/// `analyze` can hand a feedforward file to the feedforward analysis before
/// the CTRNN reader would reject it.
public enum CheckpointArchitecture {
  /// `architecture` from the file's `__metadata__`, or nil when the file is
  /// missing, unreadable, not safetensors, or has no such key: the caller
  /// then reads it as a CTRNN checkpoint, whose reader names what is wrong.
  public static func of(path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    guard let prefix = try? handle.read(upToCount: 8), prefix.count == 8 else { return nil }
    let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    // Bounded like the full reader: a header longer than the limit (or the
    // file) is not ours to interpret here.
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
    guard length > 0, length <= UInt64(SafetensorsFile.maxHeaderLength), length <= size &- 8 else { return nil }
    guard let header = try? handle.read(upToCount: Int(length)), header.count == Int(length),
      let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any],
      let metadata = object[SafetensorsFile.metadataKey] as? [String: Any]
    else { return nil }
    return metadata["architecture"] as? String
  }
}
