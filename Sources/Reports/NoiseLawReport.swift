import CTRNN
import GaussianMoments

/// `analyze` on a checkpoint whose noise the Gaussian closure does not
/// describe: the mean field under the noise law next to the exact chain,
/// per σ_test and output, with a note saying why there is no closure.
public struct NoiseLawReport: Report {
  public struct Row: Encodable {
    public var sigma: Double
    public var output: Int
    public var meanField: Double
    public var simulated: Double
    public var standardError: Double
    /// (simulated − mean field)/SE; nil at σ = 0 (no noise, no SE).
    public var z: Double?
    /// Simulated readout minus the noiseless readout.
    public var bias: Double
  }

  public var file: String
  public var noise: String
  public var noiseLaw: String
  public var noiseAmplitude: String
  public var input: [Double]
  public var target: [Double]?
  public var note: String
  public var rows: [Row]

  public init(_ s: NoiseLawStudy, path: String) {
    file = path
    noise = s.noise.placement.label
    noiseLaw = s.noise.law.rawValue
    noiseAmplitude = s.noise.amplitude.rawValue
    input = s.input
    target = s.target
    note = s.noise.law.isGaussian
      ? "the closure analyses take sigma in the gamma convention and do not convert \(s.noise.amplitude.rawValue) yet; "
        + "shown: the mean field (state fluctuations in W h ignored; exact for W = 0) and the exact chain, both at "
        + "sigma_c = sqrt(2/gamma) sigma"
      : "the Gaussian closure assumes Gaussian noise and this network's is \(s.noise.law.label): no closure column; "
        + "shown: the mean field under the \(s.noise.law.label) law (E f by quadrature against its density; state "
        + "fluctuations in W h ignored, exact for W = 0) and the exact chain drawing \(s.noise.law.label) noise"
    rows = s.levels.flatMap { level in
      level.meanFieldReadout.indices.map { o in
        let se = level.simulatedStandardError[o]
        return Row(
          sigma: level.sigma, output: o, meanField: level.meanFieldReadout[o], simulated: level.simulatedReadout[o],
          standardError: se, z: se > 0 ? (level.simulatedReadout[o] - level.meanFieldReadout[o]) / se : nil,
          bias: level.simulatedReadout[o] - s.noiselessReadout[o])
      }
    }
  }

  public var table: Table {
    let inputText = input.map(NumberFormat.short).joined(separator: ",")
    var t = Table(
      columns: ["sigma_test", "output", "mean field", "simulated", "SE", "z", "bias"],
      caption: "\(file): noise \(noise), law \(noiseLaw), amplitude \(noiseAmplitude), input u = \(inputText)")
    for r in rows {
      t.append([
        NumberFormat.short(r.sigma), "\(r.output)", NumberFormat.short(r.meanField), NumberFormat.short(r.simulated),
        NumberFormat.short(r.standardError), r.z.map(NumberFormat.short) ?? "-", NumberFormat.short(r.bias),
      ])
    }
    return t
  }

  /// The table, then the note on its own line (a caption is one line).
  public func render(_ format: TableFormat) -> String { table.render(format) + "note: \(note)\n" }
}
