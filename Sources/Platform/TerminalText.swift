/// Text from a file (metadata, results) made safe to print: control
/// characters — escape sequences that would drive the terminal, newlines
/// that would split a one-line message — are shown as `\u{1B}` instead of
/// being emitted.
public enum TerminalText {
  /// `keeping` lists controls that the output format handles itself (CSV
  /// quotes fields with line breaks).
  public static func sanitize(_ text: String, keeping allowed: Set<Unicode.Scalar> = []) -> String {
    guard text.unicodeScalars.contains(where: { isControl($0) && !allowed.contains($0) }) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
      if isControl(scalar) && !allowed.contains(scalar) {
        out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// C0 and C1 controls and DEL (general category Cc), plus the line and
  /// paragraph separators and bidirectional overrides, which reorder or
  /// split what the user sees.
  static func isControl(_ s: Unicode.Scalar) -> Bool {
    s.properties.generalCategory == .control || s.value == 0x2028 || s.value == 0x2029
      || (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
  }
}
