#!/usr/bin/env python3
"""Train the NumPy reference models bundled in Data/numpy/ (numpy + safetensors only).

Until the project's own Swift trainer exists, `fixedpoints analyze` with no
argument needs a small *trained* network. This script makes two, with BPTT
through the noisy discrete dynamics (DESIGN.md, "The models"):

    noise-in : h <- (1-g) h + g relu(W_rec h + W_in u + b + sigma xi)
    noise-out: h <- (1-g) h + g (relu(W_rec h + W_in u + b) + sigma xi)
    readout  : z = W_out h + b_out,        g = dt/tau,  xi ~ N(0, I) each step

Task "function": a constant scalar input u in [-1, 1] is held for the whole
trial of T = 100 steps from h(0) = 0; the loss is the mean squared error
between z and y(u) = sin(pi u) over the last LOSS_STEPS = 50 steps (the steady
state; why half and not the last 20 % is said at LOSS_STEPS), over a batch of
u values and noise samples. Both models use the same seed (same
initial weights, same u and noise draws); only the noise placement differs.

Written files (safetensors, F64 tensors, string metadata; DESIGN.md, "The
checkpoint"):

    Data/numpy/function-relu-noise-in.ckpt
    Data/numpy/function-relu-noise-out.ckpt

Usage:
    python3 scripts/make_default_models.py                    # train, write, report
    python3 scripts/make_default_models.py --check-gradients  # BPTT vs finite differences only

Reproducibility: everything is float64 and drawn from np.random.default_rng
with fixed seeds; BLAS is pinned to one thread (set below, before numpy is
imported) so that no reduction order depends on the thread count. The same
command on the same numpy/BLAS build writes byte-identical files. The header
is written in a canonical form (JSON keys sorted, compact, space-padded to a
multiple of 8): safetensors' own writer emits `__metadata__` in hash order,
which differs from run to run, so its bytes alone are not reproducible.

The report at the end is an independent check of what the Swift toolkit must
find at u = 0.5: the deterministic fixed point(s) with the spectral radius of
the linearised map, the noise-averaged (mean-field) fixed point, and the exact
chain's stationary readout mean by Monte Carlo with a standard error; then the
stationary output error against sigma_test on a grid of inputs.
"""

import os

# Before numpy: one BLAS thread, so results cannot depend on the thread count.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ----------------------------------------------------------------------------
# Configuration. Sizes and the reasons for them are in comments.
# ----------------------------------------------------------------------------
N = 16             # hidden units: enough ReLU kinks for a smooth sin on [-1, 1]
I_DIM = 1
O_DIM = 1
DT = 0.1
TAU = 1.0
GAMMA = DT / TAU   # 0.1
T_STEPS = 100      # 10 tau
# The loss covers the last half of the trial, not the last 20 % first tried:
# with a 20-step window the trained networks (both placements) learned slow
# dynamics (spectral radius up to 0.994) whose readout was still drifting
# through the window -- the slow ramp averages the noise -- so the readout at
# the fixed point was off by up to 6 % and the stationary output error was 2.5x
# the training loss. A 50-step window penalises any drift, so the network must
# settle by step 50 and its stationary law is what was trained.
LOSS_STEPS = 50
SIGMA_TRAIN = 0.5  # large enough that E relu(x + sigma xi) - relu(x) is visible
SEED = 1

BATCH = 64         # u values per step, one noise path each
ITERATIONS = 3000
LR_START = 1e-2    # Adam; cosine decay to LR_END over the run
LR_END = 1e-3
CLIP_NORM = 1.0    # global gradient-norm clipping
INIT_RADIUS = 0.3  # spectral radius of the initial W_rec: contracting from the start

# Fixed evaluation batch for the stored `loss`: a u grid, several noise paths
# per u, noise at sigma_train, drawn from its own seeded stream.
EVAL_U = np.linspace(-1.0, 1.0, 41)
EVAL_PATHS = 8

TARGET = "sin(pi*u)"
FORMAT = "fixedpoints-ctrnn/1"
TRAINED_BY = "scripts/make_default_models.py"
MODELS = (("in", "function-relu-noise-in.ckpt"),
          ("out", "function-relu-noise-out.ckpt"))
NAMES = ("W_rec", "W_in", "b", "W_out", "b_out")


def target(u):
    return np.sin(np.pi * u)


# ----------------------------------------------------------------------------
# Model: forward and hand-written backward pass (BPTT)
# ----------------------------------------------------------------------------
def init_params(rng):
    W = rng.standard_normal((N, N))
    W *= INIT_RADIUS / np.max(np.abs(np.linalg.eigvals(W)))
    return {
        "W_rec": W,
        "W_in": rng.standard_normal((N, I_DIM)),
        # A positive bias keeps most units active at u = 0 so that every unit
        # gets gradient from the start.
        "b": 0.1 + 0.1 * rng.standard_normal(N),
        "W_out": rng.standard_normal((O_DIM, N)) / math.sqrt(N),
        "b_out": np.zeros(O_DIM),
    }


def forward(p, u, xi, noise, sigma, T, K):
    """Run the chain from h = 0.

    u: (B, I); xi: (T, B, N), held fixed so the backward pass sees the same
    noise. Returns H (T+1, B, N) with H[0] = 0, A (T, B, N) the argument of
    relu at each step, and Z (K, B, O) the readout at steps T-K+1 .. T.
    """
    B = u.shape[0]
    W, g = p["W_rec"], GAMMA
    c = u @ p["W_in"].T + p["b"]
    H = np.zeros((T + 1, B, N))
    A = np.empty((T, B, N))
    for t in range(T):
        a = H[t] @ W.T + c
        if noise == "in":
            a = a + sigma * xi[t]
            H[t + 1] = (1.0 - g) * H[t] + g * np.maximum(a, 0.0)
        else:
            H[t + 1] = (1.0 - g) * H[t] + g * (np.maximum(a, 0.0) + sigma * xi[t])
        A[t] = a
    Z = H[T - K + 1:] @ p["W_out"].T + p["b_out"]
    return H, A, Z


def loss_only(p, u, y, xi, noise, sigma, T, K):
    _, _, Z = forward(p, u, xi, noise, sigma, T, K)
    return float(np.mean((Z - y[None]) ** 2))


def loss_and_grad(p, u, y, xi, noise, sigma, T, K):
    """Mean squared error over (last K steps, batch, outputs) and its gradient.

    With h_t = (1-g) h_{t-1} + g relu(a_t) (+ g sigma xi_t outside relu for
    noise-out), a_t = W h_{t-1} + W_in u + b (+ sigma xi_t inside for
    noise-in), the adjoint dL/dh_{t-1} = (1-g) dL/dh_t + W^T (g relu'(a_t) *
    dL/dh_t) in both placements: the noise only enters a_t or h_t additively.
    """
    H, A, Z = forward(p, u, xi, noise, sigma, T, K)
    err = Z - y[None]
    loss = float(np.mean(err ** 2))
    dZ = 2.0 * err / err.size                       # (K, B, O)
    Hw = H[T - K + 1:]
    grads = {
        "W_out": dZ.reshape(-1, O_DIM).T @ Hw.reshape(-1, N),
        "b_out": dZ.sum(axis=(0, 1)),
    }
    W, g = p["W_rec"], GAMMA
    gW = np.zeros_like(W)
    gc = np.zeros((u.shape[0], N))
    gh = np.zeros((u.shape[0], N))
    for t in range(T, 0, -1):                       # gh = dL/dh_t
        k = t - (T - K + 1)
        if k >= 0:
            gh = gh + dZ[k] @ p["W_out"]
        da = g * (A[t - 1] > 0.0) * gh              # dL/da_t
        gW += da.T @ H[t - 1]
        gc += da
        gh = (1.0 - g) * gh + da @ W
    grads["W_rec"] = gW
    grads["W_in"] = gc.T @ u
    grads["b"] = gc.sum(axis=0)
    return loss, grads


def sample_batch(rng, B, T):
    u = rng.uniform(-1.0, 1.0, size=(B, I_DIM))
    xi = rng.standard_normal((T, B, N))
    return u, target(u[:, :1]), xi


def eval_loss(p, noise, seed):
    rng = np.random.default_rng([seed, 2])
    u = np.repeat(EVAL_U, EVAL_PATHS)[:, None]
    xi = rng.standard_normal((T_STEPS, u.shape[0], N))
    return loss_only(p, u, target(u), xi, noise, SIGMA_TRAIN, T_STEPS, LOSS_STEPS)


def train(noise, seed):
    rng_init = np.random.default_rng([seed, 0])
    rng_data = np.random.default_rng([seed, 1])
    p = init_params(rng_init)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    b1, b2, eps = 0.9, 0.999, 1e-8
    history = []
    for it in range(1, ITERATIONS + 1):
        u, y, xi = sample_batch(rng_data, BATCH, T_STEPS)
        loss, gr = loss_and_grad(p, u, y, xi, noise, SIGMA_TRAIN, T_STEPS, LOSS_STEPS)
        gnorm = math.sqrt(sum(float(np.sum(gr[k] ** 2)) for k in NAMES))
        scale = min(1.0, CLIP_NORM / gnorm) if gnorm > 0 else 1.0
        lr = LR_END + 0.5 * (LR_START - LR_END) * (1.0 + math.cos(math.pi * (it - 1) / ITERATIONS))
        for k in NAMES:
            gk = scale * gr[k]
            m[k] = b1 * m[k] + (1 - b1) * gk
            v[k] = b2 * v[k] + (1 - b2) * gk * gk
            mh = m[k] / (1 - b1 ** it)
            vh = v[k] / (1 - b2 ** it)
            p[k] = p[k] - lr * mh / (np.sqrt(vh) + eps)
        history.append(loss)
    return p, history


# ----------------------------------------------------------------------------
# Finite-difference gradient check
# ----------------------------------------------------------------------------
def check_gradients(tol=1e-6):
    """Central differences for every entry of every tensor, fixed noise.

    The loss is piecewise smooth in the parameters (smooth while no relu
    argument changes sign). An entry whose +-eps perturbation flips the sign
    of any argument is re-done with eps/10 (up to eps = 1e-9); the count of
    such entries is printed. Within a smooth piece the central difference has
    error O(eps^2) + roundoff ~1e-16 |L| / eps, far below the tolerance.
    Returns True when every tensor's relative error
    ||fd - bptt||_2 / ||bptt||_2 is below tol.
    """
    ok = True
    B, T, K = 4, T_STEPS, LOSS_STEPS
    for noise in ("in", "out"):
        for sigma in (SIGMA_TRAIN, 0.0):
            rng = np.random.default_rng([SEED, 99])
            p = init_params(rng)
            # Generic (non-zero, not init-structured) readout and a larger W_rec
            # so that every path of the backward pass carries weight.
            p["W_rec"] *= 2.0
            p["b_out"] = rng.standard_normal(O_DIM)
            u, y, xi = sample_batch(rng, B, T)
            _, grads = loss_and_grad(p, u, y, xi, noise, sigma, T, K)

            def pattern(q):
                return forward(q, u, xi, noise, sigma, T, K)[1] > 0.0

            base = pattern(p)
            line = []
            for name in NAMES:
                fd = np.zeros_like(p[name])
                shrunk = 0
                for idx in np.ndindex(p[name].shape):
                    eps = 1e-6
                    while True:
                        qp = {k: v.copy() for k, v in p.items()}
                        qm = {k: v.copy() for k, v in p.items()}
                        qp[name][idx] += eps
                        qm[name][idx] -= eps
                        smooth = (np.array_equal(pattern(qp), base)
                                  and np.array_equal(pattern(qm), base))
                        if smooth or eps <= 1e-9:
                            break
                        eps /= 10.0
                        shrunk += 1
                    fd[idx] = (loss_only(qp, u, y, xi, noise, sigma, T, K)
                               - loss_only(qm, u, y, xi, noise, sigma, T, K)) / (2 * eps)
                rel = float(np.linalg.norm(fd - grads[name]) / np.linalg.norm(grads[name]))
                ok = ok and rel < tol
                line.append("%s %.1e%s" % (name, rel, " (%d eps shrunk)" % shrunk if shrunk else ""))
            print("gradient check  noise-%-3s sigma=%.1f  relative error: %s"
                  % (noise, sigma, ", ".join(line)))
    print("gradient check: %s (tolerance %.0e relative, per tensor)"
          % ("PASS" if ok else "FAIL", tol))
    return ok


# ----------------------------------------------------------------------------
# Analysis: fixed points, stability, mean field, stationary Monte Carlo
# ----------------------------------------------------------------------------
def fixed_points(p, u, seed=0, starts=64):
    """Fixed points of h = relu(W h + c) (those of the chain at sigma = 0 for any g).

    Starts: h = 0 plus random points; each is (1) iterated with the map itself
    (finds the stable ones) and (2) refined by the piecewise-linear Newton
    step: with the active set D fixed, (I - D W) h = D c; repeat until the set
    is consistent. Returns a list of (h, residual, spectral radius of the
    linearised chain map (1-g) I + g D W).
    """
    W = p["W_rec"]
    c = p["W_in"] @ np.atleast_1d(u) + p["b"]
    rng = np.random.default_rng([seed, 7])
    H0 = np.vstack([np.zeros(N), rng.uniform(0.0, 3.0, size=(starts - 1, N))])
    Hs = H0.copy()
    for _ in range(3000):
        Hs = (1.0 - GAMMA) * Hs + GAMMA * np.maximum(Hs @ W.T + c, 0.0)
    found = []
    for h in np.vstack([Hs, H0]):
        for _ in range(100):
            D = (W @ h + c > 0.0).astype(float)
            try:
                hn = np.linalg.solve(np.eye(N) - D[:, None] * W, D * c)
            except np.linalg.LinAlgError:
                break
            if np.array_equal(hn, h):
                break
            h = hn
        res = float(np.max(np.abs(h - np.maximum(W @ h + c, 0.0))))
        if res > 1e-10:
            continue
        if any(np.max(np.abs(h - f[0])) < 1e-8 for f in found):
            continue
        D = (W @ h + c > 0.0).astype(float)
        A = (1.0 - GAMMA) * np.eye(N) + GAMMA * D[:, None] * W
        rho = float(np.max(np.abs(np.linalg.eigvals(A))))
        found.append((h, res, rho))
    return found


def relu_gauss_mean(mu, s):
    """E relu(mu + s xi), xi ~ N(0,1): mu Phi(mu/s) + s phi(mu/s), Phi via erfc."""
    out = np.empty_like(mu)
    for i, m in enumerate(mu):
        r = m / s
        out[i] = m * 0.5 * math.erfc(-r / math.sqrt(2.0)) + s * math.exp(-0.5 * r * r) / math.sqrt(2 * math.pi)
    return out


def mean_field_point(p, u, sigma, h0):
    """Solve h = E_xi relu(W h + c + sigma xi) by iterating the averaged chain map."""
    W = p["W_rec"]
    c = p["W_in"] @ np.atleast_1d(u) + p["b"]
    h = h0.copy()
    for _ in range(20000):
        hn = (1.0 - GAMMA) * h + GAMMA * relu_gauss_mean(W @ h + c, sigma)
        if np.max(np.abs(hn - h)) < 1e-15:
            return hn
        h = hn
    return h


def readout(p, h):
    return p["W_out"] @ h + p["b_out"]


def stationary(p, u, noise, sigma, h0, trajectories, burn_in, samples, seed):
    """Exact discrete chain: mean readout over trajectories x time after burn-in.

    Each trajectory's time average is one batch mean; trajectories are
    independent, so the standard error is std(batch means)/sqrt(trajectories)
    (autocorrelation within a trajectory is inside its batch mean). Returns
    (mean (O,), se (O,), mean squared readout deviation from g(u)).
    """
    rng = np.random.default_rng([seed, 11])
    W, g = p["W_rec"], GAMMA
    c = p["W_in"] @ np.atleast_1d(u) + p["b"]
    H = np.tile(h0, (trajectories, 1))
    acc = np.zeros((trajectories, O_DIM))
    acc2 = np.zeros((trajectories, O_DIM))
    y = target(np.atleast_1d(u))[:1]
    for t in range(burn_in + samples):
        xi = rng.standard_normal((trajectories, N)) if sigma > 0 else 0.0
        a = H @ W.T + c
        if noise == "in":
            H = (1.0 - g) * H + g * np.maximum(a + sigma * xi, 0.0)
        else:
            H = (1.0 - g) * H + g * (np.maximum(a, 0.0) + sigma * xi)
        if t >= burn_in:
            z = H @ p["W_out"].T + p["b_out"]
            acc += z
            acc2 += (z - y) ** 2
    bm = acc / samples
    mean = bm.mean(axis=0)
    se = bm.std(axis=0, ddof=1) / math.sqrt(trajectories)
    return mean, se, float(np.mean(acc2 / samples))


def error_curve(p, noise, sigmas, seed):
    """Stationary output error vs sigma_test on a u grid (exact chain, MC).

    bias^2 = mean_u (E z - g(u))^2 and mse = mean_u E (z - g(u))^2.
    """
    us = np.linspace(-1.0, 1.0, 11)
    paths, burn, samples = 100, 300, 700
    rows = []
    for sigma in sigmas:
        rng = np.random.default_rng([seed, 13, int(round(sigma * 1000))])
        U = np.repeat(us, paths)[:, None]
        C = U @ p["W_in"].T + p["b"]
        Y = target(U)
        H = np.zeros((U.shape[0], N))
        acc = np.zeros((U.shape[0], O_DIM))
        acc2 = np.zeros((U.shape[0], O_DIM))
        for t in range(burn + samples):
            xi = rng.standard_normal(H.shape) if sigma > 0 else 0.0
            a = H @ p["W_rec"].T + C
            if noise == "in":
                H = (1.0 - GAMMA) * H + GAMMA * np.maximum(a + sigma * xi, 0.0)
            else:
                H = (1.0 - GAMMA) * H + GAMMA * (np.maximum(a, 0.0) + sigma * xi)
            if t >= burn:
                z = H @ p["W_out"].T + p["b_out"]
                acc += z
                acc2 += (z - Y) ** 2
        Ez = (acc / samples).reshape(len(us), paths, O_DIM).mean(axis=1)
        bias2 = float(np.mean((Ez - target(us)[:, None]) ** 2))
        mse = float(np.mean(acc2 / samples))
        rows.append((sigma, bias2, mse))
    return rows


# ----------------------------------------------------------------------------
# Checkpoint writing (canonical safetensors bytes)
# ----------------------------------------------------------------------------
def canonical_safetensors(tensors, metadata):
    """safetensors bytes with a canonical header.

    The tensor data layout (order, offsets) is safetensors' own (via
    safetensors.numpy.save); only the JSON header is re-serialised with sorted
    keys and no whitespace, then padded with spaces to a multiple of 8 bytes,
    so equal content gives equal bytes (DESIGN.md, "Numerical notes").
    """
    from safetensors.numpy import save
    raw = save(tensors, metadata=metadata)
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data


def write_checkpoint(path, p, noise, loss):
    from safetensors import safe_open
    from safetensors.numpy import load_file
    tensors = {k: np.ascontiguousarray(p[k], dtype=np.float64) for k in NAMES}
    metadata = {
        "format": FORMAT,
        "activation": "relu",
        "noise": noise,
        "sigma_train": repr(SIGMA_TRAIN),
        "dt": repr(DT),
        "tau": repr(TAU),
        "task": "function",
        "target": TARGET,
        "seed": str(SEED),
        "loss": repr(loss),
        "loss_definition": ("mean squared error of z - sin(pi*u) over the last %d of %d steps "
                            "from h(0)=0, u on a %d-point grid in [-1,1] x %d noise paths at "
                            "sigma_train (fixed evaluation seed)"
                            % (LOSS_STEPS, T_STEPS, len(EVAL_U), EVAL_PATHS)),
        "trial_steps": str(T_STEPS),
        "loss_steps": str(LOSS_STEPS),
        "trained_by": TRAINED_BY,
    }
    blob = canonical_safetensors(tensors, metadata)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(blob)
    os.replace(tmp, path)
    # Round trip through safetensors' own reader: same tensors, same metadata.
    back = load_file(path)
    with safe_open(path, framework="numpy") as fh:
        meta_back = fh.metadata()
    if (set(back) != set(NAMES) or meta_back != metadata
            or any(back[k].dtype != np.float64 or not np.array_equal(back[k], tensors[k]) for k in NAMES)):
        raise RuntimeError("%s does not read back as written" % path)
    return hashlib.sha256(blob).hexdigest()


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------
def fmt(x):
    return "%+.6f" % float(np.ravel(x)[0])


def report(p, noise, seed, loss):
    u = 0.5
    y = float(target(np.array(u)))
    print("  at u = %.1f (target sin(pi u) = %+.6f):" % (u, y))
    fps = fixed_points(p, u, seed)
    for h, res, rho in fps:
        print("    deterministic fixed point: readout %s, residual %.1e, "
              "spectral radius of (1-g)I + g diag(relu') W_rec = %.4f (%s), %d/%d units active"
              % (fmt(readout(p, h)), res, rho, "stable" if rho < 1 else "UNSTABLE",
                 int(np.sum(h > 0)), N))
    if len(fps) != 1:
        print("    NOTE: %d fixed points found" % len(fps))
    h_star = fps[0][0]
    # Stability over the whole input range, not just u = 0.5.
    grid = np.linspace(-1.0, 1.0, 21)
    fp_grid = [fixed_points(p, uu, seed, starts=8) for uu in grid]
    print("    21 inputs u in [-1, 1]: max spectral radius at the fixed points %.4f; "
          "%d inputs with more than one fixed point"
          % (max(max(r for _, _, r in f) for f in fp_grid), sum(len(f) != 1 for f in fp_grid)))
    if noise == "in":
        hm = mean_field_point(p, u, SIGMA_TRAIN, h_star)
        print("    mean-field fixed point h = E relu(W h + c + sigma xi), sigma = %.1f: readout %s"
              % (SIGMA_TRAIN, fmt(readout(p, hm))))
    out = {}
    for sigma in (0.0, SIGMA_TRAIN):
        M = 16 if sigma == 0 else 2000
        mean, se, _ = stationary(p, u, noise, sigma, np.zeros(N), M, 1000, 4000, seed)
        out[sigma] = (mean, se)
        print("    exact chain stationary readout mean, sigma = %.1f: %s +- %.6f (SE; %d trajectories "
              "x 4000 steps after 1000 burn-in from h = 0)" % (sigma, fmt(mean), float(se[0]), M))
    z0 = float(readout(p, h_star)[0])
    ms, ss = out[SIGMA_TRAIN]
    print("    noise-induced readout bias at sigma = %.1f: %+.6f +- %.6f (stationary mean - fixed point)"
          % (SIGMA_TRAIN, float(ms[0]) - z0, float(ss[0])))
    print("    output error on an 11-point u grid (exact chain; bias^2 = mean_u (E z - g)^2, "
          "mse = mean_u E (z - g)^2):")
    for sigma, b2, mse in error_curve(p, noise, (0.0, 0.25, 0.5, 0.75, 1.0), seed):
        print("      sigma_test = %.2f   bias^2 = %.5f   mse = %.5f" % (sigma, b2, mse))
        if sigma == SIGMA_TRAIN:
            train_window_mse = mse
    # The stored loss is measured in a finite window after a transient; if the
    # network had learned to use that transient, the stationary error at
    # sigma_train would exceed it.
    print("    stationary mse at sigma_train %.5f vs stored loss (trial window) %.5f"
          % (train_window_mse, loss))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check-gradients", action="store_true",
                    help="only compare the BPTT gradient with finite differences (exit 1 on failure)")
    ap.add_argument("--out-dir", default=os.path.join(REPO, "Data", "numpy"),
                    help="where to write the checkpoints (default: Data/numpy/ of this repository)")
    ap.add_argument("--no-report", action="store_true", help="skip the Monte-Carlo report")
    args = ap.parse_args()

    if args.check_gradients:
        sys.exit(0 if check_gradients() else 1)

    t0 = time.time()
    trained = {}
    for noise, fname in MODELS:
        t1 = time.time()
        p, hist = train(noise, SEED)
        loss = eval_loss(p, noise, SEED)
        digest = write_checkpoint(os.path.join(args.out_dir, fname), p, noise, loss)
        trained[noise] = (p, loss)
        print("noise-%-3s: final loss %r (evaluation batch; mean of the last 100 training "
              "minibatch losses %.5f), %.1f s" % (noise, loss, float(np.mean(hist[-100:])), time.time() - t1))
        print("           %s  %s" % (digest, os.path.relpath(os.path.join(args.out_dir, fname), REPO)))
    print("training and writing: %.1f s" % (time.time() - t0))

    if not args.no_report:
        t2 = time.time()
        for noise, _ in MODELS:
            print("noise-%s model:" % noise)
            report(trained[noise][0], noise, SEED, trained[noise][1])
        print("report: %.1f s" % (time.time() - t2))


if __name__ == "__main__":
    main()
