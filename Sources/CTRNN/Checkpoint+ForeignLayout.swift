import Foundation

/// A safetensors file that holds a network under another framework's names
/// (a PyTorch state_dict, PsychRNN's weights, a Flax tree) is not a
/// checkpoint yet; instead of "no tensor 'W_rec'" the reader names the
/// layout and the converter command (scripts/torch_to_ckpt.py, which
/// recognises the same layouts and knows their noise conventions).
///
/// Only the names are looked at, by their last path components (split at
/// "." and "/"), as the converter does; the converter decides the mapping.
extension Checkpoint {
  /// The layout the tensor names look like, and the converter arguments
  /// that fit it (the user supplies σ; dt/τ where the layout has them).
  static func foreignLayout(_ names: some Collection<String>) -> (layout: String, arguments: String)? {
    let paths = names.map { $0.split(whereSeparator: { $0 == "." || $0 == "/" }).map(String.init) }
    func ends(_ suffix: [String]) -> Bool { paths.contains { $0.count >= suffix.count && Array($0.suffix(suffix.count)) == suffix } }
    if ends(["b_rec"]) && ends(["W_rec"]) {
      return ("PsychRNN's exported weights (W_rec, W_in, b_rec, W_out, b_out)",
              "--activation relu --noise-scaling x-sqrt-2-alpha --sigma-train SIGMA_REC --dt DT --tau TAU")
    }
    if ends(["weight_hh_l0"]) {
      return ("a PyTorch nn.RNN state_dict (weight_hh_l0, weight_ih_l0, bias_*_l0)",
              "--activation tanh --noise-scaling in --sigma-train SIGMA")
    }
    if (ends(["h2h", "weight"]) || ends(["h2h", "kernel"])) && (ends(["input2h", "weight"]) || ends(["input2h", "kernel"])) {
      return ("the NeuroGym tutorial CTRNN (input2h, h2h, fc)",
              "--activation relu --noise-scaling in --sigma-train SIGMA --dt DT --tau TAU")
    }
    if ends(["h", "kernel"]) && ends(["i", "kernel"]) {
      return ("a Flax SimpleCell parameter tree (i/kernel, h/kernel)",
              "--activation tanh --noise-scaling in --sigma-train SIGMA")
    }
    return nil
  }

  /// The converter command for `file`, its output beside it as `.ckpt`
  /// (the path single-quoted when the shell would split or expand it).
  static func converterCommand(file: String?, arguments: String) -> String {
    let source = file ?? "MODEL.safetensors"
    let stem = (source as NSString).deletingPathExtension
    let output = source.hasSuffix(".ckpt") ? stem + "-converted.ckpt" : stem + ".ckpt"
    func quoted(_ s: String) -> String {
      let plain = s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._/-+,:=@".unicodeScalars.contains($0) }
      return plain && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
    return "python3 scripts/torch_to_ckpt.py \(quoted(source)) \(quoted(output)) \(arguments)"
  }
}
