/// Why bytes are not a safetensors file this reader accepts. The message
/// names the problem in one line (which tensor, which offsets, how many
/// bytes), so a caller can wrap it in its own error as is.
public enum SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
  /// Length prefix, JSON header, dtype, shape, offsets or tiling is wrong.
  case malformed(String)

  public var description: String {
    switch self {
    case .malformed(let m): return "malformed safetensors file: \(m)"
    }
  }
}
