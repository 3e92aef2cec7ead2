import Foundation
import Platform

/// Text placed in a LaTeX document: names, captions, text cells.
public enum LaTeX {
  /// `text` as LaTeX that prints it literally under pdflatex: the ten
  /// special characters escaped, the Greek letters and symbols our reports
  /// use in math mode (pdflatex's default fonts have no Greek glyphs, and an
  /// unknown Unicode character is a fatal error), control characters
  /// shown as `\u{…}` first. Other non-ASCII characters outside Latin-1,
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
          out += "$" + math + "$"
        } else if ch.unicodeScalars.allSatisfy({ $0.value < 0x100 }) {
          out.append(ch)
        } else {
          out += "?"
        }
      }
    }
    return out
  }

  /// Unicode our reports print (σ_test, ξ, ±, −, →, ·, ², …) and its math form.
  static let symbols: [Character: String] = [
    "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "δ": "\\delta", "Δ": "\\Delta", "ε": "\\varepsilon",
    "η": "\\eta", "θ": "\\theta", "λ": "\\lambda", "μ": "\\mu", "µ": "\\mu", "ν": "\\nu", "ξ": "\\xi",
    "π": "\\pi", "ρ": "\\rho", "σ": "\\sigma", "Σ": "\\Sigma", "τ": "\\tau", "φ": "\\phi", "χ": "\\chi",
    "ψ": "\\psi", "ω": "\\omega", "Ω": "\\Omega",
    "±": "\\pm", "−": "-", "→": "\\to", "·": "\\cdot", "×": "\\times", "≤": "\\le", "≥": "\\ge",
    "≈": "\\approx", "≠": "\\ne", "∞": "\\infty", "²": "^2", "³": "^3", "√": "\\surd", "′": "'", "″": "''",
    "ᵢ": "_i", "ᵀ": "^T", "⁻": "^-", "¹": "^1", "⁰": "^0",
  ]
}
