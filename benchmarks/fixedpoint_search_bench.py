#!/usr/bin/env python3
"""Fixed-point search benchmark: `fixedpoints analyze` against FixedPointFinder.

Networks: Hopfield-like tanh CTRNNs, W = (g/N) sum_k xi_k xi_k^T + a/sqrt(N) G
(P random +-1 patterns xi_k, gain g = 2, asymmetry a = 0.05, G standard
normal), c = 0, dt = 0.1, tau = 1: N = 24 with P = 3 and 4, N = 64 with P = 4.
Each is written as a checkpoint (safetensors, the format Checkpoint reads).

Three searches per network, each timed as a whole:
  ours        `fixedpoints analyze CKPT --input 0 --sigma-test 0 --json`
              (the default search, plus the rest of a sigma = 0 analysis);
  exhaustive  the same with `--starts 5000 --search-runs 0`: 5000 random
              starts through the same hybridsj solve, no sampling;
  FPF (numpy) FixedPointFinder (Golub & Sussillo 2018) reimplemented here,
              because neither torch nor FixedPointFinder can be installed on
              this machine. Its published algorithm: sample_states (states of
              the network's own trajectories, here 64 runs of 200 steps from
              random initial states, as no task drives them), n_inits = 2000
              of them with Gaussian noise_scale = 0.5 added (the value of its
              flip-flop example), then Adam on q(x) = 1/2 |F(x) - x|^2 for all
              starts at once, max_iters = 5000, tol_q = 1e-12, tol_dq = 1e-20,
              with an adaptive learning rate (initial 1.0, x0.95 when the
              total q rises, x1/0.95 after 5 steps of decrease, floor 1e-3:
              our reading of its AdaptiveLearningRate defaults, not a copy);
              unique points at tol_unique = 1e-3; distance outliers beyond
              10 x the mean distance of the starts from their centroid
              excluded; stability from numpy.linalg.eig of the Jacobian.
              Points with q <= 1e-20 count as fixed points, the rest as slow
              points (listed separately).

Prints one table (points found, stable, seconds) and, with --json, the rows.
A benchmark: it reports, it does not fail on time or counts.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DT, TAU = 0.1, 1.0
GAMMA = DT / TAU


def hopfield(n, p, seed, gain=2.0, asymmetry=0.05):
    rng = np.random.default_rng(seed)
    xi = rng.choice([-1.0, 1.0], size=(p, n))
    w = gain / n * xi.T @ xi + asymmetry / np.sqrt(n) * rng.standard_normal((n, n))
    return w, xi


def write_checkpoint(path, w):
    n = w.shape[0]
    tensors = {
        "W_rec": w,
        "W_in": np.zeros((n, 1)),
        "b": np.zeros(n),
        "W_out": np.full((1, n), 1.0 / n),
        "b_out": np.zeros(1),
    }
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = np.ascontiguousarray(t, dtype="<f8").tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"activation": "tanh", "noise": "in", "sigma_train": "0", "dt": str(DT), "tau": str(TAU)}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def run_ours(binary, ckpt, extra):
    start = time.perf_counter()
    out = subprocess.run(
        [binary, "analyze", ckpt, "--input", "0", "--sigma-test", "0", "--json", *extra],
        check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    report = json.loads(out)
    points = report["fixed_points"]
    return {
        "points": len(points), "stable": sum(p["stable"] for p in points), "seconds": seconds,
        "starts": report["search"]["starts_used"], "stopping": report["search"]["stopping_reason"],
        "h": np.array([p["h"] for p in points]),
    }


def fpf(w, seed, n_inits=2000, noise_scale=0.5, max_iters=5000, tol_q=1e-12, tol_dq=1e-20, tol_unique=1e-3):
    rng = np.random.default_rng(seed + 1000)
    n = w.shape[0]
    start = time.perf_counter()

    def step(x):
        return (1 - GAMMA) * x + GAMMA * np.tanh(x @ w.T)

    # sample_states: states along the network's own trajectories.
    x = np.tanh(3 * rng.uniform(-1, 1, size=(64, n)))
    states = []
    for _ in range(200):
        x = step(x)
        states.append(x.copy())
    states = np.concatenate(states)
    inits = states[rng.integers(0, len(states), n_inits)] + noise_scale * rng.standard_normal((n_inits, n))

    # Adam on q(x) = 1/2 |F(x) - x|^2, every start at once.
    x = inits.copy()
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    b1, b2, eps = 0.9, 0.999, 1e-8
    lr, improving, previous = 1.0, 0, np.inf
    for it in range(1, max_iters + 1):
        t = np.tanh(x @ w.T)
        r = GAMMA * (t - x)
        q = 0.5 * np.sum(r * r, axis=1)
        total = q.sum()
        if q.max() < tol_q or abs(previous - total) < tol_dq:
            break
        if total > previous:
            lr, improving = max(lr * 0.95, 1e-3), 0
        else:
            improving += 1
            if improving >= 5:
                lr, improving = lr / 0.95, 0
        previous = total
        grad = GAMMA * (((1 - t * t) * r) @ w - r)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        x = x - lr * (m / (1 - b1**it)) / (np.sqrt(v / (1 - b2**it)) + eps)
    r = GAMMA * (np.tanh(x @ w.T) - x)
    q = 0.5 * np.sum(r * r, axis=1)

    # Unique points (keep the lowest q of each cluster), outliers excluded.
    order = np.argsort(q)
    unique = []
    for k in order:
        if all(np.linalg.norm(x[k] - x[j]) > tol_unique for j in unique):
            unique.append(k)
    centroid = inits.mean(axis=0)
    limit = 10 * np.linalg.norm(inits - centroid, axis=1).mean()
    unique = [k for k in unique if np.linalg.norm(x[k] - centroid) <= limit]
    fixed = [k for k in unique if q[k] <= 1e-20]
    stable = 0
    for k in fixed:
        s = 1 - np.tanh(w @ x[k]) ** 2
        jac = (1 - GAMMA) * np.eye(n) + GAMMA * s[:, None] * w
        stable += np.max(np.abs(np.linalg.eigvals(jac))) < 1
    seconds = time.perf_counter() - start
    return {"points": len(fixed), "stable": int(stable), "slow": len(unique) - len(fixed), "seconds": seconds,
            "iterations": it, "h": x[fixed]}


def covered(a, b, tol=1e-4):
    """How many rows of a have a row of b within tol (max norm)."""
    if len(a) == 0 or len(b) == 0:
        return 0
    return int(sum(np.min(np.max(np.abs(b - row), axis=1)) <= tol for row in a))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "fixedpoints"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, p, seed in [(24, 3, 7), (24, 4, 11), (64, 4, 5)]:
            w, _ = hopfield(n, p, seed)
            ckpt = os.path.join(tmp, f"hopfield-{n}-{p}.ckpt")
            write_checkpoint(ckpt, w)
            ours = run_ours(args.binary, ckpt, [])
            exhaustive = run_ours(args.binary, ckpt, ["--starts", "5000", "--search-runs", "0"])
            reference = fpf(w, seed)
            rows.append({
                "network": f"N={n}, P={p}", "ours": ours, "exhaustive": exhaustive, "fpf": reference,
                "exhaustive_in_ours": covered(exhaustive["h"], ours["h"]),
                "fpf_in_ours": covered(reference["h"], ours["h"]),
            })
    for r in rows:
        for k in ("ours", "exhaustive", "fpf"):
            r[k].pop("h")
    if args.json:
        print(json.dumps(rows, indent=1, default=float))
        return
    print("| network | ours: points (stable) | s | exhaustive 5000 starts: points (stable) | s | FPF (numpy): fixed (stable) + slow | s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        o, e, f = r["ours"], r["exhaustive"], r["fpf"]
        print(f"| {r['network']} | {o['points']} ({o['stable']}), {o['starts']} starts, {o['stopping']} | {o['seconds']:.2f} "
              f"| {e['points']} ({e['stable']}); {r['exhaustive_in_ours']} of them in ours | {e['seconds']:.2f} "
              f"| {f['points']} ({f['stable']}) + {f['slow']}; {r['fpf_in_ours']} of them in ours | {f['seconds']:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
