import Foundation
import Platform

/// Text placed in a LaTeX document: names, captions, text cells.
public enum LaTeX {
  /// `text` as LaTeX that prints it literally under pdflatex: the ten
  /// special characters escaped, the Greek letters and symbols our reports
  /// use in math (`\ensuremath`, so two in a row never make `$$`; pdflatex's
  /// default fonts have no Greek glyphs, and an unknown Unicode character is
  /// a fatal error), typographic dashes and quotes as TeX ligatures, control
  /// characters shown as `\u{…}` first. Other characters outside Latin-1,
  /// which pdflatex may not know, become `?`.
  public static func escape(_ text: String) -> String {
    var out = ""
    for ch in TerminalText.sanitize(text) {
      switch ch {
      case "\\": out += "\\textbackslash{}"
      case "&", "%", "$", "#", "_", "{", "}": out += "\\\(ch)"
      case "~": out += "\\textasciitilde{}"
      case "^": out += "\\textasciicircum{}"
      // OT1's < > | print as other glyphs (¡ ¿ —).
      case "<": out += "\\textless{}"
      case ">": out += "\\textgreater{}"
      case "|": out += "\\textbar{}"
      default:
        if let math = symbols[ch] {
          out += "\\ensuremath{" + math + "}"
        } else if let t = textSymbols[ch] {
          out += t
        } else if ch.unicodeScalars.allSatisfy({ $0.value < 0x100 }) {
          out.append(ch)
        } else {
          out += "?"
        }
      }
    }
    return out
  }

  /// Unicode our reports print (σ_test, ξ, ±, −, →, ·, ², ‖w‖ …) and its math form.
  static let symbols: [Character: String] = [
    "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "Γ": "\\Gamma", "δ": "\\delta", "Δ": "\\Delta",
    "ε": "\\varepsilon", "ζ": "\\zeta", "η": "\\eta", "θ": "\\theta", "Θ": "\\Theta", "ι": "\\iota",
    "κ": "\\kappa", "λ": "\\lambda", "Λ": "\\Lambda", "μ": "\\mu", "µ": "\\mu", "ν": "\\nu", "ξ": "\\xi",
    "Ξ": "\\Xi", "π": "\\pi", "Π": "\\Pi", "ρ": "\\rho", "σ": "\\sigma", "Σ": "\\Sigma", "τ": "\\tau",
    "υ": "\\upsilon", "φ": "\\phi", "Φ": "\\Phi", "χ": "\\chi", "ψ": "\\psi", "Ψ": "\\Psi", "ω": "\\omega",
    "Ω": "\\Omega",
    "±": "\\pm", "−": "-", "→": "\\to", "←": "\\leftarrow", "·": "\\cdot", "×": "\\times", "≤": "\\le",
    "≥": "\\ge", "≈": "\\approx", "≠": "\\ne", "∞": "\\infty", "√": "\\surd", "∫": "\\int",
    "∑": "\\sum", "∂": "\\partial", "‖": "\\|", "∈": "\\in", "′": "'", "″": "''", "‴": "'''", "⁗": "''''",
    "⁰": "^0", "¹": "^1", "²": "^2", "³": "^3", "⁴": "^4", "⁵": "^5", "⁶": "^6", "⁷": "^7", "⁸": "^8",
    "⁹": "^9", "⁻": "^-", "⁺": "^+", "ᵀ": "^T", "ᵢ": "_i", "ⱼ": "_j", "₀": "_0", "₁": "_1", "₂": "_2",
    "₃": "_3", "₄": "_4",
  ]

  /// Typography pdflatex writes with ASCII ligatures or commands.
  static let textSymbols: [Character: String] = [
    "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": "\\ldots{}",
  ]
}
