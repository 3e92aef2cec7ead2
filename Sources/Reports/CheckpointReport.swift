import CTRNN
import GaussianMoments

/// `checkpoint inspect`: a checkpoint's sizes, metadata and the spectral
/// radius of W_rec. Absent optional metadata is `null` in the JSON, not a
/// missing key, so the set of keys never depends on the file.
public struct CheckpointReport: Report {
  public var file: String
  public var format: String
  public var hiddenSize, inputSize, outputSize, parameters: Int
  public var activation, noise, dtype: String
  /// The law of ξ and the amplitude convention (Gaussian and "gamma" for a
  /// file without the keys).
  public var noiseLaw, noiseAmplitude: String
  public var sigmaTrain, dt, tau, gamma, spectralRadius: Double
  public var task, seed: String?
  public var loss: Double?
  public var extraMetadata: [String: String]
  /// Bernoulli dropout and its training rate: keys written only for a
  /// checkpoint with dropout, so every other file's report is what it was.
  public var dropout: String?
  public var dropoutRate: Double?
  /// Learned per-unit σᵢ and pᵢ (`train --learn-noise`), only when present.
  public var noiseSigmas: [Double]?
  public var dropoutRates: [Double]?

  public init(_ c: Checkpoint, file: String) throws {
    self.file = file
    format = Checkpoint.formatVersion
    hiddenSize = c.hiddenSize
    inputSize = c.inputSize
    outputSize = c.outputSize
    parameters = c.parameterCount
    activation = c.activation.rawValue
    noise = c.noise.label
    noiseLaw = c.noiseLaw.rawValue
    noiseAmplitude = c.noiseAmplitude.rawValue
    dtype = c.dtype.rawValue
    sigmaTrain = c.sigmaTrain
    dt = c.dt
    tau = c.tau
    gamma = c.gamma
    spectralRadius = try c.recurrentSpectralRadius()
    task = c.task
    seed = c.seed
    loss = c.loss
    extraMetadata = c.extraMetadata
    dropout = c.dropout?.rawValue
    dropoutRate = c.dropout == nil ? nil : c.dropoutRate
    noiseSigmas = c.unitSigmas
    dropoutRates = c.unitDropoutRates
  }

  enum CodingKeys: String, CodingKey {
    case file, format, hiddenSize, inputSize, outputSize, parameters, activation, noise, noiseLaw, noiseAmplitude, dtype, sigmaTrain, dt,
      tau, gamma, spectralRadius, task, seed, loss, extraMetadata, dropout, dropoutRate, noiseSigmas, dropoutRates
  }

  /// Written out so that nil optionals encode as null (the synthesized
  /// encoder would leave their keys out).
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(file, forKey: .file)
    try c.encode(format, forKey: .format)
    try c.encode(hiddenSize, forKey: .hiddenSize)
    try c.encode(inputSize, forKey: .inputSize)
    try c.encode(outputSize, forKey: .outputSize)
    try c.encode(parameters, forKey: .parameters)
    try c.encode(activation, forKey: .activation)
    try c.encode(noise, forKey: .noise)
    try c.encode(noiseLaw, forKey: .noiseLaw)
    try c.encode(noiseAmplitude, forKey: .noiseAmplitude)
    try c.encode(dtype, forKey: .dtype)
    try c.encode(sigmaTrain, forKey: .sigmaTrain)
    try c.encode(dt, forKey: .dt)
    try c.encode(tau, forKey: .tau)
    try c.encode(gamma, forKey: .gamma)
    try c.encode(spectralRadius, forKey: .spectralRadius)
    try c.encode(task, forKey: .task)
    try c.encode(seed, forKey: .seed)
    try c.encode(loss, forKey: .loss)
    try c.encode(extraMetadata, forKey: .extraMetadata)
    try c.encodeIfPresent(dropout, forKey: .dropout)
    try c.encodeIfPresent(dropoutRate, forKey: .dropoutRate)
    try c.encodeIfPresent(noiseSigmas, forKey: .noiseSigmas)
    try c.encodeIfPresent(dropoutRates, forKey: .dropoutRates)
  }

  /// Values left-aligned: most are words, and one long metadata string
  /// would otherwise push every number to the far right.
  public var table: Table {
    var t = Table(columns: ["quantity", "value"], alignments: [.left, .left], caption: "checkpoint \(file)")
    let optional = { (s: String?) in s ?? "-" }
    let rows: [(String, String)] =
      [
        ("N (hidden units)", "\(hiddenSize)"),
        ("I (inputs)", "\(inputSize)"),
        ("O (outputs)", "\(outputSize)"),
        ("activation", activation),
        ("noise", noise),
        ("noise law", noiseLaw),
        ("noise amplitude", NoiseAmplitude(rawValue: noiseAmplitude)?.summary ?? noiseAmplitude),
        ("sigma_train", NumberFormat.full(sigmaTrain)),
      ] + (dropout.map { [("dropout", "\($0), rate \(NumberFormat.full(dropoutRate ?? 0))")] } ?? [])
      + (noiseSigmas.map { [("learned sigma_i", $0.map(NumberFormat.short).joined(separator: " "))] } ?? [])
      + (dropoutRates.map { [("learned p_i", $0.map(NumberFormat.short).joined(separator: " "))] } ?? []) + [
        ("dt", NumberFormat.full(dt)),
        ("tau", NumberFormat.full(tau)),
        ("gamma = dt/tau", NumberFormat.significant(gamma)),
        ("task", optional(task)),
        ("seed", optional(seed)),
        ("loss", optional(loss.map(NumberFormat.significant))),
        ("dtype", dtype),
        ("parameters", "\(parameters)"),
        ("spectral radius of W_rec", NumberFormat.significant(spectralRadius)),
      ] + extraMetadata.keys.sorted().map { ("metadata \($0)", extraMetadata[$0] ?? "") }
    for (name, value) in rows { t.append([name, value]) }
    return t
  }

  public func render(_ format: TableFormat) -> String { table.render(format) }
}
