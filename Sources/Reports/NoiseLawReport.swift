import CTRNN
import GaussianMoments

/// `analyze` on a checkpoint whose noise the Gaussian closure does not
/// describe: the mean field and the closure under the noise law next to
/// the exact chain, per σ_test and output, with a note saying what each
/// analytic column assumes.
public struct NoiseLawReport: Report {
  public struct Row: Encodable {
    public var sigma: Double
    public var output: Int
    public var meanField: Double
    /// The law closure's readout; nil where it failed.
    public var closure: Double?
    public var simulated: Double
    public var standardError: Double
    /// (simulated − mean field)/SE; nil at σ = 0 (no noise, no SE).
    public var z: Double?
    /// (simulated − closure)/SE; nil at σ = 0 or without a closure.
    public var closureZ: Double?
    /// Simulated readout minus the noiseless readout.
    public var bias: Double
    /// The closure's readout minus the noiseless readout.
    public var closureBias: Double?
  }

  public var file: String
  public var noise: String
  public var noiseLaw: String
  public var noiseAmplitude: String
  public var input: [Double]
  public var target: [Double]?
  public var note: String
  public var rows: [Row]
  /// Why the closure failed at a σ, one line each ("sigma = …: …").
  public var closureFailures: [String]

  public init(_ s: NoiseLawStudy, path: String) {
    file = path
    noise = s.noise.gate.map { $0.site == .input ? "gated-input" : "gated" } ?? s.noise.placement.label
    noiseLaw = s.noise.law.rawValue
    noiseAmplitude = s.noise.amplitude.rawValue
    input = s.input
    target = s.target
    let closureText =
      "closure: the state taken as Gaussian N(m, C) as in the Gaussian closure, the noise kept \(s.noise.law.label) "
      + "(moments of f(mu + s Z + sigma xi) by quadrature over xi of the Gaussian moments)"
    note = s.noise.gate?.site == .input
      ? "gated noise at the input of h (Gulcehre et al. 2016, Eq. 14 with Eq. 9's scale: phi = h(x + sigma d(x) G(x) xi), "
        + "p = \(s.noise.gate!.p), \(s.noise.law.label) xi): the Gaussian closure assumes additive noise; shown: the mean field = "
        + "the fixed point of the expectation network (the unit averaged over xi, E h(x + sigma d G xi): hardtanh's Gaussian "
        + "moments at (x, sigma |d G|) for normal xi, quadrature for half-normal; state fluctuations ignored), the closure "
        + "(state Gaussian N(m, C); that average, its slope and the noise's own variance E Var_xi phi averaged over the "
        + "Gaussian pre-activation by quadrature), and the exact chain"
      : s.noise.gate != nil
      ? "gated noise (Gulcehre et al. 2016, alpha = \(s.noise.gate!.alpha), p = \(s.noise.gate!.p), \(s.noise.law.label) xi): "
        + "the Gaussian closure assumes additive noise; shown: the mean field = the fixed point of the expectation network "
        + "(their Eq. 13, the unit's output averaged over xi; state fluctuations ignored), the closure (state Gaussian "
        + "N(m, C); the expectation unit and its slope averaged over the Gaussian pre-activation by quadrature, plus the gated "
        + "noise's own variance sigma^2 E(d G)^2), and the exact chain"
      : s.noise.law.isGaussian
      ? "the closure analyses take sigma in the gamma convention and do not convert \(s.noise.amplitude.rawValue) yet; "
        + "shown: the mean field (state fluctuations in W h ignored; exact for W = 0), the \(closureText), and the "
        + "exact chain, all at sigma_c = sqrt(2/gamma) sigma"
      : "the Gaussian closure assumes Gaussian noise and this network's is \(s.noise.law.label); "
        + "shown: the mean field under the \(s.noise.law.label) law (E f by quadrature against its density; state "
        + "fluctuations in W h ignored, exact for W = 0), the \(closureText), and the exact chain drawing "
        + "\(s.noise.law.label) noise"
    rows = s.levels.flatMap { level in
      level.meanFieldReadout.indices.map { o in
        let se = level.simulatedStandardError[o], sim = level.simulatedReadout[o]
        let closure = level.closureReadout?[o]
        return Row(
          sigma: level.sigma, output: o, meanField: level.meanFieldReadout[o], closure: closure, simulated: sim,
          standardError: se, z: se > 0 ? (sim - level.meanFieldReadout[o]) / se : nil,
          closureZ: se > 0 ? closure.map { (sim - $0) / se } : nil,
          bias: sim - s.noiselessReadout[o], closureBias: closure.map { $0 - s.noiselessReadout[o] })
      }
    }
    closureFailures = s.levels.compactMap { l in l.closureFailure.map { "sigma = \(NumberFormat.short(l.sigma)): \($0)" } }
  }

  public var table: Table {
    let inputText = input.map(NumberFormat.short).joined(separator: ",")
    var t = Table(
      columns: ["sigma_test", "output", "mean field", "closure", "simulated", "SE", "z MF", "z closure", "bias"],
      caption: "\(file): noise \(noise), law \(noiseLaw), amplitude \(noiseAmplitude), input u = \(inputText)")
    for r in rows {
      t.append([
        NumberFormat.short(r.sigma), "\(r.output)", NumberFormat.short(r.meanField), r.closure.map(NumberFormat.short) ?? "failed",
        NumberFormat.short(r.simulated), NumberFormat.short(r.standardError), r.z.map(NumberFormat.short) ?? "-",
        r.closureZ.map(NumberFormat.short) ?? "-", NumberFormat.short(r.bias),
      ])
    }
    return t
  }

  /// The table, then the note on its own line (a caption is one line).
  public func render(_ format: TableFormat) -> String {
    table.render(format) + "note: \(note)\n" + closureFailures.map { "closure failed at \($0)\n" }.joined()
  }
}
