"""Run the source and the converted model side by side and compare.

The source is run by its layout's own forward function, written here in
NumPy on the source tensors in their own shapes and names (nn.RNN's two
biases added inside the step, Flax kernels used as x @ kernel, PsychRNN's
masks and x-state), with the source's noise term written as the source
writes it (noise.source_noise_term), not through the translation being
checked. The converted model is the checkpoint's map with its own σ and
placement. Both get the same inputs u, initial state and standard normals
ξ, for STEPS steps at σ = 0 and at the training σ.

Tolerance: both are evaluated in float64 from the stored numbers, so the
only legitimate difference is the rounding of the stored checkpoint (a sum
of two biases rounded once to float32, say), of relative size eps(dtype),
amplified over STEPS steps by at most the map's Lipschitz constant. We
allow sqrt(eps(dtype)) relative to the trajectory's scale (3.5e-4 for
float32, 1.5e-8 for float64): far above rounding for the networks this
tool analyses, far below what a mistake in the mapping makes (a dropped
bias, a transposed matrix, a wrong noise factor change the state by O(1)).
"""

import math

import numpy as np

from . import noise as N

STEPS = 10
BATCH = 4


def activation(name):
    if name == "linear":
        return lambda x: x
    if name == "relu":
        return lambda x: np.maximum(x, 0.0)
    if name == "softplus":
        return lambda x: np.logaddexp(0.0, x)
    if name == "tanh":
        return np.tanh
    if name == "sigmoid":
        return lambda x: 0.5 * (1.0 + np.tanh(0.5 * x))
    if name == "hardtanh":
        return lambda x: np.clip(x, -1.0, 1.0)
    if name == "hardsigmoid":
        return lambda x: np.clip(0.25 * x + 0.5, 0.0, 1.0)
    if name == "erf":
        erf = np.vectorize(math.erf)
        return lambda x: erf(x)
    raise ValueError(name)


class CheckFailed(ValueError):
    pass


def _a(arrays, key):
    return np.asarray(arrays[key], dtype=np.float64)


def _linear(arrays, weight_key, bias_key, x):
    """A PyTorch/Equinox Linear (weight [out, in]) or a Flax Dense (kernel
    [in, out]), as the source framework computes it."""
    w = _a(arrays, weight_key)
    y = x @ w if weight_key.split("/")[-1].split(".")[-1] == "kernel" else x @ w.T
    return y if bias_key is None else y + _a(arrays, bias_key)


def source_pre(layout, arrays):
    """pre(u, h) as the source computes it, from the layout's keys."""
    m = layout.mapping
    bias = [k for k in m["b"] if k != "zeros"]
    if layout.name == "torch-nn-rnn":
        w_ih, w_hh = m["W_in"][0], m["W_rec"][0]
        b_hh = next((k for k in bias if k.endswith("bias_hh_l0")), None)
        b_ih = next((k for k in bias if k.endswith("bias_ih_l0")), None)
        return lambda u, h: _linear(arrays, w_ih, b_ih, u) + _linear(arrays, w_hh, b_hh, h)
    if layout.name in ("neurogym-ctrnn", "flax-simplecell"):
        w_in, w_rec = m["W_in"][0], m["W_rec"][0]

        def own_bias(wkey):
            stem = wkey.rsplit(wkey.split("/")[-1].split(".")[-1], 1)[0]
            return next((k for k in bias if k.startswith(stem) and k[len(stem):] == "bias"), None)
        return lambda u, h: _linear(arrays, w_in, own_bias(w_in), u) + _linear(arrays, w_rec, own_bias(w_rec), h)
    if layout.name == "fixedpoints":
        w_rec, w_in, b = (_a(arrays, m[t][0]) for t in ("W_rec", "W_in", "b"))
        return lambda u, h: h @ w_rec.T + u @ w_in.T + b
    raise ValueError(layout.name)


def source_readout(layout, arrays):
    w, b = layout.mapping["W_out"][0], layout.mapping["b_out"][0]
    return lambda h: _linear(arrays, w, None if b == "zeros" else b, h)


def _psychrnn(layout, arrays, f):
    """PsychRNN Basic (psychrnn/backend/models/basic.py): state x,
    x' = (1-α)x + α(f(x) W_rec_effᵀ + u W_in_effᵀ + b_rec) + √(2α)σξ,
    output f(x) W_out_effᵀ + b_out."""
    m, masks = layout.mapping, {k: _a(arrays, v) for k, v in layout.masks.items()}
    w_rec, w_in, w_out = (_a(arrays, m[t][0]) for t in ("W_rec", "W_in", "W_out"))
    b_rec, b_out = _a(arrays, m["b"][0]), _a(arrays, m["b_out"][0])
    w_rec = w_rec * masks.get("rec_connectivity", 1.0)
    w_in = w_in * masks.get("input_connectivity", 1.0)
    w_out = w_out * masks.get("output_connectivity", 1.0)
    if "Dale_rec" in masks and np.any(masks["Dale_rec"] < 0):
        w_rec = np.abs(w_rec) @ masks["Dale_rec"]
        w_in = np.abs(w_in)
        w_out = np.abs(w_out) @ masks["Dale_out"] if "Dale_out" in masks else np.abs(w_out)
    return (lambda u, x: f(x) @ w_rec.T + u @ w_in.T + b_rec), (lambda x: f(x) @ w_out.T + b_out)


def run_source(layout, arrays, act, scaling, sigma, gamma, u, x0, xi):
    """States h_t (as the checkpoint sees them) and readouts z_t."""
    f = activation(act)
    hs, zs = [], []
    if layout.forward == "x":
        pre, readout = _psychrnn(layout, arrays, f)
        x = x0
        for t in range(u.shape[0]):
            noise_x = N.source_noise_term(scaling, sigma, gamma, xi[t])[1]
            x = (1 - gamma) * x + gamma * pre(u[t], x) + noise_x
            hs.append(f(x))
            zs.append(readout(x))
        return np.array(hs), np.array(zs)
    pre, readout = source_pre(layout, arrays), source_readout(layout, arrays)
    h = f(x0)
    for t in range(u.shape[0]):
        inside, outside = N.source_noise_term(scaling, sigma, gamma, xi[t])
        if layout.discrete:
            h = f(pre(u[t], h) + inside) + outside
        else:
            h = (1 - gamma) * h + gamma * f(pre(u[t], h) + inside) + outside
        hs.append(h)
        zs.append(readout(h))
    return np.array(hs), np.array(zs)


def run_checkpoint(tensors, act, placement, sigma, gamma, u, h0, xi):
    f = activation(act)
    w_rec, w_in, b, w_out, b_out = (np.asarray(tensors[t], dtype=np.float64)
                                    for t in ("W_rec", "W_in", "b", "W_out", "b_out"))
    hs, zs = [], []
    h = h0
    for t in range(u.shape[0]):
        x = h @ w_rec.T + u[t] @ w_in.T + b
        if placement == "in":
            h = (1 - gamma) * h + gamma * f(x + sigma * xi[t])
        else:
            h = (1 - gamma) * h + gamma * (f(x) + sigma * xi[t])
        hs.append(h)
        zs.append(h @ w_out.T + b_out)
    return np.array(hs), np.array(zs)


def _tolerance(dtype):
    return math.sqrt(np.finfo(np.dtype(dtype)).eps)


def compare(name, a, b, dtype):
    scale = 1.0 + max(np.max(np.abs(a)), np.max(np.abs(b)))
    err = float(np.max(np.abs(a - b)))
    tol = _tolerance(dtype) * scale
    return err, tol, err <= tol


def check(conversion, arrays, *, scaling, sigma, seed=0):
    """Runs both models; returns a list of report lines, raises CheckFailed
    when they differ beyond rounding. The layout must have a known forward."""
    layout, tensors, md = conversion.layout, conversion.tensors, conversion.metadata
    gamma = float(md["dt"]) / float(md["tau"])
    n, i = tensors["W_in"].shape
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((STEPS, BATCH, i))
    x0 = 0.5 * rng.standard_normal((BATCH, n))
    xi = rng.standard_normal((STEPS, BATCH, n))
    f = activation(md["activation"])
    dtype = tensors["W_rec"].dtype
    lines = []
    # The noise law is linear in σ, so any σ > 0 tests the factor; the
    # training σ is used when it is not 0.
    for s in (0.0, float(sigma) if float(sigma) > 0 else 0.3):
        hs_src, zs_src = run_source(layout, arrays, md["activation"], scaling, s, gamma, u, x0, xi)
        _, s_ckpt = N.translate(scaling, s, gamma)
        hs_ck, zs_ck = run_checkpoint(tensors, md["activation"], md["noise"], s_ckpt, gamma, u, f(x0), xi)
        for what, a, b in (("states", hs_src, hs_ck), ("readouts", zs_src, zs_ck)):
            err, tol, ok = compare(what, a, b, dtype)
            line = (f"check: sigma = {s:g}: {what} of {STEPS} steps x {BATCH} trials agree to "
                    f"{err:.2e} (tolerance {tol:.1e}, {dtype} rounding)")
            if not ok:
                raise CheckFailed(
                    f"the converted model does not reproduce the source: at sigma = {s:g} the {what} differ "
                    f"by {err:.3g} over {STEPS} steps (tolerance {tol:.1e}); the mapping or noise convention is wrong")
            lines.append(line)
    return lines


def check_module(module, conversion, *, seed=0, batch_first=None):
    """Runs a torch module (eval mode, no noise) on random inputs from h = 0
    and the converted model at σ = 0; compares the readouts. The module's
    forward takes input [T, B, I] (or [B, T, I] when batch_first) and returns
    the readouts [T, B, O], or a tuple whose first element is."""
    import torch
    tensors, md = conversion.tensors, conversion.metadata
    gamma = float(md["dt"]) / float(md["tau"])
    n, i = tensors["W_in"].shape
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((STEPS, BATCH, i))
    if batch_first is None:
        batch_first = bool(getattr(module, "batch_first", False) or
                           getattr(getattr(module, "rnn", None), "batch_first", False))
    module.eval()
    with torch.no_grad():
        dtype = next(module.parameters()).dtype
        x = torch.tensor(np.swapaxes(u, 0, 1) if batch_first else u, dtype=dtype)
        out = module(x)
        if isinstance(out, (tuple, list)):
            out = out[0]
        z_mod = out.detach().cpu().double().numpy()
    if batch_first:
        z_mod = np.swapaxes(z_mod, 0, 1)
    _, z_ck = run_checkpoint(tensors, md["activation"], md["noise"], 0.0, gamma, u,
                             np.zeros((BATCH, n)), np.zeros((STEPS, BATCH, n)))
    if z_mod.shape != z_ck.shape:
        raise CheckFailed(f"--module's output has shape {list(z_mod.shape)}; expected readouts "
                          f"{list(z_ck.shape)} ([T, B, O], or a tuple starting with them)")
    err, tol, ok = compare("readouts", z_mod, z_ck, tensors["W_rec"].dtype)
    if not ok:
        raise CheckFailed(f"the converted model does not reproduce the module: readouts differ by {err:.3g} "
                          f"over {STEPS} steps from h = 0 at sigma = 0 (tolerance {tol:.1e})")
    return [f"check: module run at sigma = 0: readouts of {STEPS} steps x {BATCH} trials agree to "
            f"{err:.2e} (tolerance {tol:.1e})"]
