#!/usr/bin/env python3
"""NumPy reference for the analyze benchmark (see benchmarks/analyze_bench.sh).

The core work of a default `fixedpoints analyze` run on the bundled model
(Data/function-relu-noise-in.ckpt), written as a NumPy user would write it at
its fastest: for each sigma_test in 0.1, 0.2, ..., 1.0 (sigma = 0 needs no
simulation), an ensemble of the exact discrete noise-in chain

    h <- (1 - g) h + g relu(h W^T + c + sigma xi),   c = W_in u + b,  u = 0.5,

M = 64 trajectories x 2000 steps, batched (states are an M x N array, one
matmul per step for all trajectories), preallocated buffers, in-place ufuncs,
`Generator.standard_normal(out=...)`, float64, whatever BLAS NumPy links. After
a burn-in of 400 steps every 4th state is recorded (Swift's default thin = 4)
into the stationary mean and covariance (one more M x N by N x M product per
record) and each trajectory's readout mean; the readout mean and its
batch-means standard error come from the per-trajectory means, as in Swift.

Not timed: reading the checkpoint and settling the noiseless chain from h = 0
to the reference fixed point, where every ensemble starts (Swift starts at
the Gaussian-closure mean; after 400 burn-in steps, ~20 relaxation times at
spectral radius 0.95, the start does not matter). Not done at all: fixed
points, the mean-field branch and the closure (the analytic parts of
analyze), so this is the chain-only share of the work.

Prints one line per sigma and the best-of-repeats wall time, or one JSON
object with --json.
"""
import argparse
import json
import os
import struct
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MODEL = os.path.join(REPO, "Data", "function-relu-noise-in.ckpt")


def load_checkpoint(path):
    """Tensors and metadata of a safetensors file (F32/F64), without the
    safetensors package: 8-byte little-endian header length, JSON header,
    raw little-endian data."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    dtypes = {"F64": "<f8", "F32": "<f4"}
    tensors = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        tensors[name] = np.frombuffer(data[a:b], dtype=dtypes[e["dtype"]]).astype(np.float64).reshape(e["shape"])
    return tensors, meta


def settle(w, c, gamma, steps=5000):
    """The noiseless chain from h = 0: the reference fixed point."""
    h = np.zeros(w.shape[0])
    for _ in range(steps):
        nxt = (1.0 - gamma) * h + gamma * np.maximum(w @ h + c, 0.0)
        if np.max(np.abs(nxt - h)) <= 1e-14 * (1.0 + np.max(np.abs(nxt))):
            return nxt
        h = nxt
    return h


def ensemble(w, c, w_out, b_out, gamma, sigma, h0, trajectories, steps, burn_in, thin, rng):
    """One sigma: stationary mean/covariance of the state, readout mean and SE."""
    n = w.shape[0]
    wt = np.ascontiguousarray(w.T)
    h = np.tile(h0, (trajectories, 1))
    pre = np.empty_like(h)
    xi = np.empty_like(h)
    traj_sum = np.zeros_like(h)          # per-trajectory sum of recorded states
    outer = np.zeros((n, n))             # sum over records and trajectories of h h^T
    records = 0
    for s in range(1, steps + 1):
        rng.standard_normal(out=xi)
        np.matmul(h, wt, out=pre)        # (W h)^T for every trajectory at once
        pre += c
        xi *= sigma
        pre += xi
        np.maximum(pre, 0.0, out=pre)
        pre *= gamma
        h *= 1.0 - gamma
        h += pre
        if s > burn_in and (s - burn_in) % thin == 0:
            traj_sum += h
            outer += h.T @ h
            records += 1
    traj_mean = traj_sum / records                       # M x N batch means
    mean = traj_mean.mean(axis=0)
    cov = outer / (records * trajectories) - np.outer(mean, mean)
    z = traj_mean @ w_out.T + b_out                      # M x O readout batch means
    readout = z.mean(axis=0)
    readout_se = z.std(axis=0, ddof=1) / np.sqrt(trajectories)
    return mean, cov, readout, readout_se


def run(path, u, sigmas, trajectories, steps, burn_in, thin, seed, repeats):
    t, meta = load_checkpoint(path)
    if meta.get("noise", "in") != "in":
        raise SystemExit("analyze_reference.py: %s is not a noise-in model" % path)
    w, w_in, b = t["W_rec"], t["W_in"], t["b"]
    w_out, b_out = t["W_out"], t["b_out"]
    gamma = float(meta.get("dt", "0.1")) / float(meta.get("tau", "1.0"))
    c = w_in @ np.atleast_1d(u) + b
    h0 = settle(w, c, gamma)
    best, times, results = float("inf"), [], None
    for _ in range(repeats):
        rng = np.random.default_rng(seed)
        start = time.perf_counter()
        out = [ensemble(w, c, w_out, b_out, gamma, s, h0, trajectories, steps, burn_in, thin, rng) for s in sigmas]
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        best = min(best, elapsed)
        results = out
    reference_readout = w_out @ h0 + b_out
    return {
        "implementation": "numpy",
        "checkpoint": os.path.relpath(path, REPO) if path.startswith(REPO) else path,
        "input": u,
        "hidden": int(w.shape[0]),
        "sigmas": sigmas,
        "trajectories": trajectories,
        "steps": steps,
        "burn_in": burn_in,
        "thin": thin,
        "repeats": repeats,
        "seconds": best,
        "seconds_each": times,
        "reference_readout": reference_readout.tolist(),
        "readout_mean": [r[2].tolist() for r in results],
        "readout_se": [r[3].tolist() for r in results],
        "numpy": np.__version__,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", nargs="?", default=DEFAULT_MODEL)
    p.add_argument("--input", type=float, default=0.5)
    p.add_argument("--trajectories", type=int, default=64)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--burn-in", type=int, default=400)
    p.add_argument("--thin", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    sigmas = [round(0.1 * k, 10) for k in range(1, 11)]
    r = run(a.checkpoint, a.input, sigmas, a.trajectories, a.steps, a.burn_in, a.thin, a.seed, a.repeats)
    if a.json:
        print(json.dumps(r))
        return
    for s, m, se in zip(r["sigmas"], r["readout_mean"], r["readout_se"]):
        print("sigma %.1f  readout %.6f +- %.2g" % (s, m[0], se[0]))
    print("numpy chain-only %.3f s best of %d (numpy %s)" % (r["seconds"], a.repeats, np.__version__))


if __name__ == "__main__":
    main()
