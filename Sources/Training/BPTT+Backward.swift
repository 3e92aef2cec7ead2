import CKernels
import CTRNN
import Foundation
import GSL
import GaussianMoments
import SDE

/// The backward pass of `BPTT.Pass` (the forward pass, its buffers and the
/// model it differentiates are in BPTT.swift).
extension BPTT.Pass {
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
