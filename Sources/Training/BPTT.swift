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

    /// The backward pass. The recursion through time (∂L/∂h_t from
    /// ∂L/∂h_{t+1}) is one small product per step; the weight gradients are
    /// sums over all T·B (step, trial) rows, so ∂L/∂x and ∂L/∂z are kept for
    /// every step and each weight gradient is one product over T·B rows at
    /// the end (one large dgemm instead of T small ones).
    func backward() -> Parameters { backward(inputGradients: false).gradient }

    /// Hands the large buffers back to the workspace (the pass is spent).
    mutating func recycle() {
      guard let workspace else { return }
      workspace.give(.states, &states)
      workspace.give(.preactivations, &preactivations)
    }

    /// The parameter gradient and, when `inputGradients`, ∂L/∂ξ (T×B×N,
    /// for the noise values as passed; empty without noise) and ∂L/∂M
    /// (T×B×N; empty without masks), each row written by its own slice.
    func backward(inputGradients: Bool) -> (gradient: Parameters, noise: [Double], masks: [Double]) {
      let n = p.hidden, b = batch.trials, t = batch.steps, i = p.inputs, o = p.outputs
      let g = T(d.gamma), keep = 1 - g, f = d.activation, weight = batch.totalWeight
      let sigma = T(d.sigma), inside = d.noise == .inside
      let bn = b * n, bo = b * o
      var grad = Weights<T>(hidden: n, inputs: i, outputs: o)
      var noiseGradient = [T](repeating: 0, count: inputGradients && hasNoise ? t * bn : 0)
      var maskGradient = [T](repeating: 0, count: inputGradients && masks != nil ? t * bn : 0)
      guard weight > 0 else { return (grad.parameters(like: p), T.doubles(noiseGradient), T.doubles(maskGradient)) }
      let w = self.w, inputs = self.inputs
      var dzs = [T](repeating: 0, count: t * bo)  // ∂L/∂z_t, every step
      // ∂L/∂x_t, every step (each entry written by the recursion below).
      var dxs: [T] = BPTT.buffer(workspace, .dxs, count: t * bn, zeroed: 0)
      defer { workspace?.give(.dxs, &dxs) }
      // Readout errors of every step at once (no recursion in them).
      var anyStep = [Bool](repeating: false, count: t)
      for at in 0..<(t * bo) {
        let w = batch.weights[at]
        if w != 0 {
          dzs[at] = T(2 * w * (readouts[at].doubleValue - batch.targets[at]) / weight)
          anyStep[at / bo] = true
        }
      }
      BPTT.noisePointer(noise) { noisePointer in
      BPTT.backwardPointers(masks, states, unmasked, &noiseGradient, &maskGradient) { maskPointer, hsAll, unmaskedAll, gnPointer, gmPointer in
        dzs.withUnsafeBufferPointer { dzp in
          dxs.withUnsafeMutableBufferPointer { dxp in
            preactivations.withUnsafeBufferPointer { xs in
              w.recurrent.withUnsafeBufferPointer { wRec in
                w.readout.withUnsafeBufferPointer { wOut in
                  let shared = BPTTBackPointers(
                    dz: dzp.baseAddress!, dx: dxp.baseAddress!, xs: xs.baseAddress!, wRec: wRec.baseAddress!, wOut: wOut.baseAddress!,
                    hs: hsAll, masks: maskPointer, unmasked: dropout == .input ? unmaskedAll : nil,
                    stateMasks: dropout == .state, noiseGradient: gnPointer, maskGradient: gmPointer, noise: noisePointer)
                  // The same fixed slices of trials as the forward pass.
                  BPTT.forEachSlice(trials: b) { r0, r1 in
                    let rows = r1 - r0, rn = rows * n
                    // relu, no gate, dropout or input gradients: each step's
                    // elementwise work in two C kernels (bpttkernels.c: the
                    // same operations as the loops below).
                    let fastRelu =
                      f == .relu && d.gate == nil && shared.masks == nil && shared.noiseGradient == nil
                      && shared.maskGradient == nil
                    var gh = [T](repeating: 0, count: rn)  // ∂L/∂h_{t+1}, this slice's rows
                    var previous = [T](repeating: 0, count: rn)
                    gh.withUnsafeMutableBufferPointer { ghp in
                      previous.withUnsafeMutableBufferPointer { pp in
                        let gh = ghp.baseAddress!, previous = pp.baseAddress!
                        for step in stride(from: t - 1, through: 0, by: -1) {
                          if fastRelu {
                            let at = step * bn + r0 * n, dz = shared.dz + step * bo + r0 * o
                            // One output: gh += dz · W_out inside the kernel; more: a gemm, as in the loop below.
                            if anyStep[step] && o != 1 {
                              T.gemm(dz, transposeA: false, shared.wOut, transposeB: false, into: gh, m: rows, n: n, k: o, beta: 1)
                            }
                            T.bpttReluBack(
                              rows: rows, n: n, gh: gh, dz: anyStep[step] && o == 1 ? UnsafePointer(dz) : nil,
                              wOut: shared.wOut, x: shared.xs + at, dx: shared.dx + at, g: g)
                            T.gemm(shared.dx + at, transposeA: false, shared.wRec, transposeB: false, into: previous, m: rows, n: n, k: n)
                            T.bpttLeak(count: rn, gh: gh, previous: previous, keep: keep)
                            continue
                          }
                          if anyStep[step] {
                            let dz = shared.dz + step * bo + r0 * o
                            if o == 1 {
                              // gh += dz · W_out with one output: a product per
                              // element (cheaper written out than a gemm call).
                              for r in 0..<rows {
                                let e = dz[r]
                                for j in 0..<n { gh[r * n + j] += e * shared.wOut[j] }
                              }
                            } else {
                              T.gemm(dz, transposeA: false, shared.wOut, transposeB: false, into: gh, m: rows, n: n, k: o, beta: 1)
                            }
                          }
                          let at = step * bn + r0 * n
                          // noise-out: h_{t+1} has + γσξ_t.
                          if let gn = shared.noiseGradient, !inside { for k in 0..<rn { gn[at + k] = g * sigma * gh[k] } }
                          // Through the activation: ∂L/∂x_t = γ ∂L/∂h_{t+1} ⊙ f′(x_t).
                          let dx = shared.dx + at, x = shared.xs + at
                          if let gate = d.gate {
                            // ∂φ/∂x with the held ξ: the gate's slope carries gradient through the noise path.
                            for k in 0..<rn {
                              let xi = shared.noise.map { $0[at + k] } ?? 0
                              dx[k] = g * gh[k] * T(gate.slope(f, x[k].doubleValue, sigma: d.sigma, xi: xi.doubleValue))
                            }
                            // ∂L/∂φ_t = γ ∂L/∂h_{t+1}: what the gate's own parameter gradients need (BPTT+GateParameters.swift).
                            if let gn = shared.noiseGradient { for k in 0..<rn { gn[at + k] = g * gh[k] } }
                          } else {
                            switch f {
                            case .relu: for k in 0..<rn { dx[k] = g * gh[k] * (x[k] >= 0 ? 1 : 0) }
                            default: for k in 0..<rn { dx[k] = g * gh[k] * T(f.derivative(x[k].doubleValue)) }
                            }
                          }
                          // Dropout on f's input: ∂(M x)/∂x = M, ∂(M x)/∂M = x.
                          if let un = shared.unmasked, let m = shared.masks {
                            if let gm = shared.maskGradient { for k in 0..<rn { gm[at + k] = dx[k] * un[at + k] } }
                            for k in 0..<rn { dx[k] *= m[at + k] }
                          }
                          // noise-in: x_t has + σξ_t.
                          if let gn = shared.noiseGradient, inside { for k in 0..<rn { gn[at + k] = sigma * dx[k] } }
                          // ∂L/∂h_t = (1−γ) ∂L/∂h_{t+1} + W_recᵀ ∂L/∂x_t (row form: dx · W_rec).
                          T.gemm(dx, transposeA: false, shared.wRec, transposeB: false, into: previous, m: rows, n: n, k: n)
                          if shared.stateMasks, let m = shared.masks {
                            // W_rec multiplied M_t ⊙ h_t: ∂L/∂M_t = (dx · W_rec) ⊙ h_t.
                            let h = shared.hs + at
                            if let gm = shared.maskGradient { for k in 0..<rn { gm[at + k] = previous[k] * h[k] } }
                            for k in 0..<rn { gh[k] = keep * gh[k] + m[at + k] * previous[k] }
                          } else {
                            for k in 0..<rn { gh[k] = keep * gh[k] + previous[k] }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      }
      // The weight gradients, each one product over the T·B rows:
      // ∂W_out = DZᵀ H_{1…T}, ∂W_rec = DXᵀ H_{0…T−1} (with dropout on the
      // state DXᵀ (M ⊙ H)_{0…T−1}), ∂W_in = DXᵀ U.
      let rows = t * b
      states.withUnsafeBufferPointer { hs in
        dzs.withUnsafeBufferPointer { dzp in
          grad.readout.withUnsafeMutableBufferPointer { gw in
            T.gemm(dzp.baseAddress!, transposeA: true, hs.baseAddress! + bn, transposeB: false, into: gw.baseAddress!, m: o, n: n, k: rows)
          }
        }
        dxs.withUnsafeBufferPointer { dxp in
          maskedStates.withUnsafeBufferPointer { ms in
            let seen = dropout == .state ? ms.baseAddress! : hs.baseAddress!
            grad.recurrent.withUnsafeMutableBufferPointer { gw in
              T.gemm(dxp.baseAddress!, transposeA: true, seen, transposeB: false, into: gw.baseAddress!, m: n, n: n, k: rows)
            }
          }
          if i > 0 {
            inputs.withUnsafeBufferPointer { u in
              grad.input.withUnsafeMutableBufferPointer { gw in
                T.gemm(dxp.baseAddress!, transposeA: true, u.baseAddress!, transposeB: false, into: gw.baseAddress!, m: n, n: i, k: rows)
              }
            }
          }
        }
      }
      // Column sums in row order (vectorised across columns in C).
      dxs.withUnsafeBufferPointer { a in grad.bias.withUnsafeMutableBufferPointer { T.columnSums(rows: rows, n: n, a.baseAddress!, into: $0.baseAddress!) } }
      if o > 0 { dzs.withUnsafeBufferPointer { a in
        grad.readoutBias.withUnsafeMutableBufferPointer { T.columnSums(rows: rows, n: o, a.baseAddress!, into: $0.baseAddress!) }
      } }
      return (grad.parameters(like: p), T.doubles(noiseGradient), T.doubles(maskGradient))
    }
  }
}
