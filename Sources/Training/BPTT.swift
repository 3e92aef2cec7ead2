import CKernels
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
///   h_{t+1} = (1−γ) h_t + γ φ(x_t, ξ_t)                    (gated, `NoiseGate`)
/// from h_0 = 0, optionally with dropout masks M_t (`masks`, each 0 or
/// 1/(1 − p): `DropoutMasks`): on the state, x_t = W_rec (M_t ⊙ h_t) + …;
/// on f's input, h_{t+1} = (1−γ) h_t + γ f(M_t ⊙ x_t) [+ γσξ_t]. The noise ξ
/// (T×B×N unit-SD variates of the dynamics' law: standard normals, or
/// Laplace / half-normal / salt-and-pepper ones) is drawn once and held
/// fixed for the backward pass, so the gradient is exact for that sample
/// whatever the law (ξ enters additively). Gated noise and dropout are not
/// combined (the CLI refuses it).
/// Every matrix product is one BLAS dgemm over the whole batch.
public enum BPTT {
  /// Loss only (the forward pass).
  ///
  /// `masks` (T×B×N) applies the dynamics' dropout (`Dynamics.dropout`,
  /// which must be set with them); nil: no dropout.
  public static func loss(_ p: Parameters, _ batch: TrialBatch, noise: [Double]?, masks: [Double]? = nil, dynamics: Dynamics) -> Double {
    Pass<Double>(p, batch, noise: noise, masks: masks, dynamics: dynamics).loss
  }

  /// Loss and its gradient with respect to every parameter.
  public static func lossAndGradient(
    _ p: Parameters, _ batch: TrialBatch, noise: [Double]?, masks: [Double]? = nil, dynamics: Dynamics
  ) -> (loss: Double, gradient: Parameters) {
    let pass = Pass<Double>(p, batch, noise: noise, masks: masks, dynamics: dynamics)
    return (pass.loss, pass.backward())
  }

  /// Loss, the parameter gradient, and the gradients with respect to the
  /// noise values ξ as passed (T×B×N, empty without noise) and to the mask
  /// entries (T×B×N, empty without masks): what learning the noise's scale
  /// and the dropout rates needs (`AdaptiveNoise`). With gated noise the
  /// noise entry is ∂L/∂φ(x_t, ξ_t) instead (the unit's output; see
  /// `lossAndGateGradient`). Float64 only.
  public static func lossAndGradients(
    _ p: Parameters, _ batch: TrialBatch, noise: [Double]?, masks: [Double]?, dynamics: Dynamics
  ) -> (loss: Double, gradient: Parameters, noise: [Double], masks: [Double]) {
    let pass = Pass<Double>(p, batch, noise: noise, masks: masks, dynamics: dynamics)
    let r = pass.backward(inputGradients: true)
    return (pass.loss, r.gradient, r.noise, r.masks)
  }

  /// `lossAndGradient` computed in float32 (sgemm; weights, states and
  /// noise in float), the loss summed in float64 and the gradient returned
  /// in float64 for the float64 Adam update (mixed precision).
  public static func lossAndGradientFloat(
    _ p: Parameters, _ batch: TrialBatch, noise: [Float]?, dynamics: Dynamics
  ) -> (loss: Double, gradient: Parameters) {
    lossAndGradient(p, batch, noise: noise, dynamics: dynamics, workspace: nil)
  }

  /// `lossAndGradient` (T = Double) or `lossAndGradientFloat` (T = Float)
  /// with the pass's large buffers from `workspace` (kept across a training
  /// run's iterations; `TrainingLoop`). The same values as without.
  static func lossAndGradient<T: TrainingScalar>(
    _ p: Parameters, _ batch: TrialBatch, noise: [T]?, masks: [T]? = nil, dynamics: Dynamics, workspace: BPTTWorkspace<T>?
  ) -> (loss: Double, gradient: Parameters) {
    var pass = Pass<T>(p, batch, noise: noise, masks: masks, dynamics: dynamics, workspace: workspace)
    let gradient = pass.backward()
    pass.recycle()
    return (pass.loss, gradient)
  }

  /// `loss` in float32 (float64 sum).
  public static func lossFloat(_ p: Parameters, _ batch: TrialBatch, noise: [Float]?, dynamics: Dynamics) -> Double {
    Pass<Float>(p, batch, noise: noise, dynamics: dynamics).loss
  }

  /// One forward pass with everything the backward pass needs.
  struct Pass<T: TrainingScalar> {
    let p: Parameters
    /// The weights in T (the parameters themselves when T is Double).
    let w: Weights<T>
    let batch: TrialBatch
    let d: Dynamics
    /// h_0 … h_T, (T+1)×B×N.
    var states: [T]
    /// x_0 … x_{T−1} (noise included for noise-in; with dropout on f's
    /// input, masked: f's argument), T×B×N.
    var preactivations: [T]
    /// The dropout masks (T×B×N) and their site; nil without dropout.
    let masks: [T]?
    let dropout: DropoutSite?
    let hasNoise: Bool
    /// The held noise (the backward pass of gated noise needs it).
    let noise: [T]?
    /// Dropout on the state: M_t ⊙ h_t, what W_rec multiplies (T×B×N);
    /// empty otherwise.
    var maskedStates: [T] = []
    /// Dropout on f's input: x_t before the mask (T×B×N); empty otherwise.
    var unmasked: [T] = []
    /// z_0 … z_{T−1}, T×B×O.
    var readouts: [T]
    /// The inputs u_t in T, T×B×I.
    let inputs: [T]
    var loss = 0.0
    /// Where the large buffers come from and go back to (nil: allocated).
    let workspace: BPTTWorkspace<T>?

    init(_ p: Parameters, _ batch: TrialBatch, noise: [T]?, masks: [T]? = nil, dynamics d: Dynamics, workspace: BPTTWorkspace<T>? = nil) {
      self.p = p
      self.workspace = workspace
      self.masks = masks
      let dropout = masks == nil ? nil : d.dropout
      self.dropout = dropout
      self.hasNoise = noise != nil
      self.noise = noise
      precondition(d.gate == nil || masks == nil, "gated noise with dropout is not implemented")
      self.w = Weights(p)
      self.batch = batch
      self.inputs = T.array(batch.inputs)
      self.d = d
      let n = p.hidden, b = batch.trials, t = batch.steps, i = p.inputs, o = p.outputs
      precondition(batch.inputSize == i && batch.outputSize == o, "batch does not fit the network")
      precondition(noise == nil || noise!.count == t * b * n, "noise must hold T×B×N values")
      precondition(masks == nil || (masks!.count == t * b * n && d.dropout != nil), "masks must hold T×B×N values, with dropout")
      if dropout == .state { maskedStates = [T](repeating: 0, count: t * b * n) }
      if dropout == .input { unmasked = [T](repeating: 0, count: t * b * n) }
      // h_0 = 0; every other entry of both is written below before it is read.
      states = BPTT.buffer(workspace, .states, count: (t + 1) * b * n, zeroed: b * n)
      preactivations = BPTT.buffer(workspace, .preactivations, count: t * b * n, zeroed: 0)
      readouts = [T](repeating: 0, count: t * b * o)
      let g = T(d.gamma), keep = 1 - g, f = d.activation, sigma = T(d.sigma), inside = d.noise == .inside
      let w = self.w, inputs = self.inputs
      let bn = b * n
      // The common case, relu or tanh without dropout, steps in one C kernel
      // per slice (bpttkernels.c: the same operations as the loop below).
      let fastForward = masks != nil ? 0 : f == .relu ? Int32(FP_BPTT_RELU) : f == .tanh ? Int32(FP_BPTT_TANH) : 0
      var total = 0.0
      BPTT.noisePointer(noise) { noisePointer in
        BPTT.dropoutPointers(masks, &maskedStates, &unmasked, site: dropout) { maskPointer, maskedPointer, unmaskedPointer in
          states.withUnsafeMutableBufferPointer { hs in
            preactivations.withUnsafeMutableBufferPointer { xs in
              readouts.withUnsafeMutableBufferPointer { zs in
                w.recurrent.withUnsafeBufferPointer { wRec in
                  w.input.withUnsafeBufferPointer { wIn in
                    w.readout.withUnsafeBufferPointer { wOut in
                      w.bias.withUnsafeBufferPointer { bias in
                        // The input drive of every step at once, X = U W_inᵀ over
                        // the T·B rows; the recurrence then adds H W_recᵀ to it
                        // (the same sum, rec + in, as adding in after rec).
                        if i > 0 {
                          inputs.withUnsafeBufferPointer { u in
                            T.gemm(u.baseAddress!, transposeA: false, wIn.baseAddress!, transposeB: true, into: xs.baseAddress!, m: t * b, n: n, k: i)
                          }
                        }
                        let shared = BPTTPointers(
                          hs: hs.baseAddress!, xs: xs.baseAddress!, noise: noisePointer, wRec: wRec.baseAddress!, bias: bias.baseAddress!,
                          masks: maskPointer, maskedStates: maskedPointer, unmasked: unmaskedPointer)
                        // Trials in fixed slices, each run through all steps on
                        // its own (rows never mix in the recursion).
                        BPTT.forEachSlice(trials: b) { r0, r1 in
                          let rows = r1 - r0
                          @inline(__always) func apply(_ f: (T) -> T) {
                            for step in 0..<t {
                              let h = shared.hs + step * bn, x = shared.xs + step * bn, next = h + bn
                              // W_rec sees h_t, or with dropout on the state M_t ⊙ h_t.
                              var seen = UnsafePointer(h + r0 * n)
                              if let ms = shared.maskedStates, let m = shared.masks {
                                let at = step * bn + r0 * n
                                for k in 0..<(rows * n) { ms[at + k] = m[at + k] * h[r0 * n + k] }
                                seen = UnsafePointer(ms + at)
                              }
                              T.gemm(
                                seen, transposeA: false, shared.wRec, transposeB: true, into: x + r0 * n, m: rows, n: n, k: n,
                                beta: i > 0 ? 1 : 0)
                              if fastForward != 0,
                                T.bpttForward(
                                  fastForward, inside: inside, rows: rows, n: n, h: h + r0 * n, x: x + r0 * n, next: next + r0 * n,
                                  bias: shared.bias, xi: shared.noise.map { $0 + step * bn + r0 * n }, keep: keep, g: g, sigma: sigma)
                              {
                                continue
                              }
                              for r in r0..<r1 {
                                for j in 0..<n {
                                  let k = r * n + j
                                  var xv = x[k] + shared.bias[j]
                                  let xi = shared.noise.map { $0[step * bn + k] } ?? 0
                                  if inside { xv += sigma * xi }
                                  if let un = shared.unmasked, let m = shared.masks {
                                    un[step * bn + k] = xv
                                    xv *= m[step * bn + k]
                                  }
                                  x[k] = xv
                                  next[k] = keep * h[k] + g * f(xv) + (inside ? 0 : g * sigma * xi)
                                }
                              }
                            }
                          }
                          // Gated noise (Gulcehre et al.): h_{t+1} = (1−γ)h + γφ(x, ξ),
                          // in float64 per element (a rare, slower path; no dropout).
                          if let gate = d.gate {
                            for step in 0..<t {
                              let h = shared.hs + step * bn, x = shared.xs + step * bn, next = h + bn
                              T.gemm(
                                h + r0 * n, transposeA: false, shared.wRec, transposeB: true, into: x + r0 * n, m: rows, n: n, k: n,
                                beta: i > 0 ? 1 : 0)
                              for r in r0..<r1 {
                                for j in 0..<n {
                                  let k = r * n + j
                                  let xv = x[k] + shared.bias[j]
                                  let xi = shared.noise.map { $0[step * bn + k] } ?? 0
                                  x[k] = xv
                                  next[k] = keep * h[k] + g * T(gate.value(f, xv.doubleValue, sigma: d.sigma, xi: xi.doubleValue))
                                }
                              }
                            }
                            return
                          }
                          // One loop per activation (inlined, not switched on
                          // per element); the arithmetic is the same for each.
                          switch f {
                          case .relu: apply { Swift.max($0, 0) }
                          case .tanh: apply { T.tanh($0) }
                          default: apply { T(f($0.doubleValue)) }
                          }
                        }
                        // The readouts of every step at once, Z = H_{1…T} W_outᵀ.
                        T.gemm(hs.baseAddress! + bn, transposeA: false, wOut.baseAddress!, transposeB: true, into: zs.baseAddress!, m: t * b, n: o, k: n)
                      }
                    }
                  }
                }
                // The loss in step, trial, output order, summed in float64.
                for at in 0..<(t * b * o) {
                  zs[at] += w.readoutBias[at % o]
                  let e = zs[at].doubleValue - batch.targets[at]
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
  }
}
