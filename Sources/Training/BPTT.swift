import CTRNN
import Foundation
import GSL
import GaussianMoments
import SDE

/// Loss and gradient of a batch of trials by backpropagation through time
/// through the noisy discrete dynamics (DESIGN.md, "The models"):
///   x_t     = W_rec h_t + W_in u_t + b [+ σξ_t]            (noise-in)
///   h_{t+1} = (1−γ) h_t + γ f(x_t) [+ γσξ_t]               (noise-out)
///   z_t     = W_out h_{t+1} + b_out,  L = Σ w (z_t − y_t)² / Σ w
/// from h_0 = 0. The noise ξ (T×B×N standard normals) is drawn once and held
/// fixed for the backward pass, so the gradient is exact for that sample.
/// Every matrix product is one BLAS dgemm over the whole batch.
public enum BPTT {
  /// Loss only (the forward pass).
  ///
  /// `masks` (T×B×N, each 0 or 1/(1 − p): `DropoutMasks`) applies the
  /// dynamics' dropout: on the state, x_t = W_rec (M_t h_t) + …; on f's
  /// input, h_{t+1} = (1−γ) h_t + γ f(M_t x_t). Nil: no dropout.
  public static func loss(_ p: Parameters, _ batch: TrialBatch, noise: [Double]?, masks: [Double]? = nil, dynamics: Dynamics) -> Double {
    Pass(p, batch, noise: noise, masks: masks, dynamics: dynamics).loss
  }

  /// Loss, the parameter gradient, and the gradients with respect to the
  /// noise values ξ as passed (T×B×N, empty without noise) and to the mask
  /// entries (T×B×N, empty without masks): what learning the noise's scale
  /// and the dropout rates needs (`AdaptiveNoise`).
  public static func lossAndGradients(
    _ p: Parameters, _ batch: TrialBatch, noise: [Double]?, masks: [Double]?, dynamics: Dynamics
  ) -> (loss: Double, gradient: Parameters, noise: [Double], masks: [Double]) {
    var pass = Pass(p, batch, noise: noise, masks: masks, dynamics: dynamics)
    pass.wantsInputGradients = true
    let g = pass.backward()
    return (pass.loss, g, pass.noiseGradient, pass.maskGradient)
  }

  /// Loss and its gradient with respect to every parameter.
  public static func lossAndGradient(
    _ p: Parameters, _ batch: TrialBatch, noise: [Double]?, masks: [Double]? = nil, dynamics: Dynamics
  ) -> (loss: Double, gradient: Parameters) {
    var pass = Pass(p, batch, noise: noise, masks: masks, dynamics: dynamics)
    return (pass.loss, pass.backward())
  }

  /// One forward pass with everything the backward pass needs.
  struct Pass {
    let p: Parameters
    let batch: TrialBatch
    let d: Dynamics
    /// h_0 … h_T, (T+1)×B×N.
    var states: [Double]
    /// x_0 … x_{T−1} (noise included for noise-in; masked for dropout on
    /// f's input: the argument of f), T×B×N.
    var preactivations: [Double]
    /// The dropout masks (T×B×N) and where they apply; nil without dropout.
    let masks: [Double]?
    let dropout: DropoutSite?
    let noise: [Double]?
    /// The pre-activations before the mask (dropout on f's input only).
    var unmasked: [Double] = []
    /// Set before `backward` to fill `noiseGradient` and `maskGradient`.
    var wantsInputGradients = false
    var noiseGradient: [Double] = []
    var maskGradient: [Double] = []
    /// z_0 … z_{T−1}, T×B×O.
    var readouts: [Double]
    var loss = 0.0

    init(_ p: Parameters, _ batch: TrialBatch, noise: [Double]?, masks: [Double]? = nil, dynamics d: Dynamics) {
      self.p = p
      self.batch = batch
      self.d = d
      self.masks = masks
      let dropout = masks == nil ? nil : d.dropout
      self.dropout = dropout
      self.noise = noise
      let n = p.hidden, b = batch.trials, t = batch.steps, i = p.inputs, o = p.outputs
      precondition(batch.inputSize == i && batch.outputSize == o, "batch does not fit the network")
      precondition(noise == nil || noise!.count == t * b * n, "noise must hold T×B×N values")
      precondition(masks == nil || (masks!.count == t * b * n && d.dropout != nil), "masks must hold T×B×N values, with dropout")
      states = [Double](repeating: 0, count: (t + 1) * b * n)
      preactivations = [Double](repeating: 0, count: t * b * n)
      readouts = [Double](repeating: 0, count: t * b * o)
      let g = d.gamma, keep = 1 - g, f = d.activation, sigma = d.sigma, inside = d.noise == .inside
      let bn = b * n
      var total = 0.0
      if dropout == .input { unmasked = [Double](repeating: 0, count: t * b * n) }
      var unmaskedValues = unmasked
      defer { unmasked = unmaskedValues }
      states.withUnsafeMutableBufferPointer { hs in
        preactivations.withUnsafeMutableBufferPointer { xs in
          readouts.withUnsafeMutableBufferPointer { zs in
            for step in 0..<t {
              let h = hs.baseAddress! + step * bn, x = xs.baseAddress! + step * bn, next = h + bn
              if dropout == .state, let masks {
                // W_rec sees the masked state M h.
                var masked = [Double](repeating: 0, count: bn)
                for k in 0..<bn { masked[k] = masks[step * bn + k] * h[k] }
                masked.withUnsafeBufferPointer { mh in
                  p.recurrent.withUnsafeBufferPointer { w in
                    BLAS.gemm(mh.baseAddress!, transposeA: false, w.baseAddress!, transposeB: true, into: x, m: b, n: n, k: n)
                  }
                }
              } else {
                p.recurrent.withUnsafeBufferPointer { w in
                  BLAS.gemm(h, transposeA: false, w.baseAddress!, transposeB: true, into: x, m: b, n: n, k: n)
                }
              }
              if i > 0 {
                batch.inputs.withUnsafeBufferPointer { u in
                  p.input.withUnsafeBufferPointer { w in
                    BLAS.gemm(
                      u.baseAddress! + step * b * i, transposeA: false, w.baseAddress!, transposeB: true, into: x, m: b, n: n,
                      k: i, beta: 1)
                  }
                }
              }
              for r in 0..<b {
                for j in 0..<n {
                  let k = r * n + j
                  var xv = x[k] + p.bias[j]
                  let xi = noise.map { $0[step * bn + k] } ?? 0
                  if inside { xv += sigma * xi }
                  if dropout == .input, let masks {
                    unmaskedValues[step * bn + k] = xv
                    xv *= masks[step * bn + k]
                  }
                  x[k] = xv
                  next[k] = keep * h[k] + g * f(xv) + (inside ? 0 : g * sigma * xi)
                }
              }
              let z = zs.baseAddress! + step * b * o
              p.readout.withUnsafeBufferPointer { w in
                BLAS.gemm(next, transposeA: false, w.baseAddress!, transposeB: true, into: z, m: b, n: o, k: n)
              }
              for r in 0..<b {
                for q in 0..<o {
                  let k = r * o + q, at = step * b * o + k
                  z[k] += p.readoutBias[q]
                  let e = z[k] - batch.targets[at]
                  total += batch.weights[at] * e * e
                }
              }
            }
          }
        }
      }
      let weight = batch.totalWeight
      loss = weight > 0 ? total / weight : 0
    }

    mutating func backward() -> Parameters {
      let n = p.hidden, b = batch.trials, t = batch.steps
      if wantsInputGradients {
        noiseGradient = noise == nil ? [] : [Double](repeating: 0, count: t * b * n)
        maskGradient = masks == nil ? [] : [Double](repeating: 0, count: t * b * n)
      }
      var gn = noiseGradient, gm = maskGradient
      noiseGradient = []
      maskGradient = []
      defer {
        noiseGradient = gn
        maskGradient = gm
      }
      return backwardPass(noiseGradient: &gn, maskGradient: &gm)
    }

    /// `gn`, `gm` empty: not wanted; else T×B×N, filled with ∂L/∂ξ and ∂L/∂M.
    func backwardPass(noiseGradient gn: inout [Double], maskGradient gm: inout [Double]) -> Parameters {
      let sigma = d.sigma, inside = d.noise == .inside
      let n = p.hidden, b = batch.trials, t = batch.steps, i = p.inputs, o = p.outputs
      let g = d.gamma, keep = 1 - g, f = d.activation, weight = batch.totalWeight
      let bn = b * n
      var grad = Parameters(hidden: n, inputs: i, outputs: o)
      guard weight > 0 else { return grad }
      var gh = [Double](repeating: 0, count: bn)  // ∂L/∂h_{t+1}
      var dz = [Double](repeating: 0, count: b * o)
      var dx = [Double](repeating: 0, count: bn)
      var previous = [Double](repeating: 0, count: bn)
      states.withUnsafeBufferPointer { hs in
        for step in stride(from: t - 1, through: 0, by: -1) {
          let h = hs.baseAddress! + step * bn, next = h + bn
          // Readout error at this step.
          var any = false
          for k in 0..<(b * o) {
            let at = step * b * o + k, w = batch.weights[at]
            dz[k] = w == 0 ? 0 : 2 * w * (readouts[at] - batch.targets[at]) / weight
            if w != 0 { any = true }
          }
          if any {
            dz.withUnsafeBufferPointer { dzp in
              grad.readout.withUnsafeMutableBufferPointer { gw in
                BLAS.gemm(dzp.baseAddress!, transposeA: true, next, transposeB: false, into: gw.baseAddress!, m: o, n: n, k: b, beta: 1)
              }
              p.readout.withUnsafeBufferPointer { w in
                gh.withUnsafeMutableBufferPointer { ghp in
                  BLAS.gemm(dzp.baseAddress!, transposeA: false, w.baseAddress!, transposeB: false, into: ghp.baseAddress!, m: b, n: n, k: o, beta: 1)
                }
              }
            }
            for r in 0..<b { for q in 0..<o { grad.readoutBias[q] += dz[r * o + q] } }
          }
          // noise-out: h_{t+1} has + γσξ_t.
          if !gn.isEmpty, !inside { for k in 0..<bn { gn[step * bn + k] = g * sigma * gh[k] } }
          // Through the activation: ∂L/∂x_t = γ ∂L/∂h_{t+1} ⊙ f′(x_t).
          for k in 0..<bn { dx[k] = g * gh[k] * f.derivative(preactivations[step * bn + k]) }
          // Dropout on f's input: ∂(M x)/∂x = M, ∂(M x)/∂M = x.
          if dropout == .input, let masks {
            if !gm.isEmpty { for k in 0..<bn { gm[step * bn + k] = dx[k] * unmasked[step * bn + k] } }
            for k in 0..<bn { dx[k] *= masks[step * bn + k] }
          }
          // noise-in: x_t has + σξ_t.
          if !gn.isEmpty, inside { for k in 0..<bn { gn[step * bn + k] = sigma * dx[k] } }
          // Dropout on the state: W_rec multiplied M h, so its gradient takes M h.
          var maskedState: [Double] = []
          if dropout == .state, let masks { maskedState = (0..<bn).map { masks[step * bn + $0] * h[$0] } }
          for r in 0..<b { for j in 0..<n { grad.bias[j] += dx[r * n + j] } }
          dx.withUnsafeBufferPointer { dxp in
            grad.recurrent.withUnsafeMutableBufferPointer { gw in
              maskedState.withUnsafeBufferPointer { mh in
                let state = maskedState.isEmpty ? h : mh.baseAddress!
                BLAS.gemm(dxp.baseAddress!, transposeA: true, state, transposeB: false, into: gw.baseAddress!, m: n, n: n, k: b, beta: 1)
              }
            }
            if i > 0 {
              batch.inputs.withUnsafeBufferPointer { u in
                grad.input.withUnsafeMutableBufferPointer { gw in
                  BLAS.gemm(
                    dxp.baseAddress!, transposeA: true, u.baseAddress! + step * b * i, transposeB: false, into: gw.baseAddress!,
                    m: n, n: i, k: b, beta: 1)
                }
              }
            }
            // ∂L/∂h_t = (1−γ) ∂L/∂h_{t+1} + W_recᵀ ∂L/∂x_t (row form: dx · W_rec).
            p.recurrent.withUnsafeBufferPointer { w in
              previous.withUnsafeMutableBufferPointer { pp in
                BLAS.gemm(dxp.baseAddress!, transposeA: false, w.baseAddress!, transposeB: false, into: pp.baseAddress!, m: b, n: n, k: n)
              }
            }
          }
          if dropout == .state, let masks {
            // ∂L/∂M_t = (dx · W_rec) ⊙ h_t.
            if !gm.isEmpty { for k in 0..<bn { gm[step * bn + k] = previous[k] * h[k] } }
            for k in 0..<bn { gh[k] = keep * gh[k] + masks[step * bn + k] * previous[k] }
          } else {
            for k in 0..<bn { gh[k] = keep * gh[k] + previous[k] }
          }
        }
      }
      return grad
    }
  }
}
