#!/usr/bin/env python3
"""NumPy reference for the SDE ensemble benchmark (see Sources/SDE/SDEBenchmark.swift).

The same computation as `SDEBenchmark.run`: an ensemble of M trajectories of the
noise-in tanh network

    x <- (1 - gamma) x + gamma tanh(W x + b + sigma xi),   xi ~ N(0, I),

vectorised over trajectories (states are an M x n array, one matmul per step),
written as a NumPy user would write it at its fastest: preallocated buffers,
in-place ufuncs, `Generator.standard_normal(out=...)` (PCG64 + ziggurat), and
whatever BLAS NumPy links (OpenBLAS, multithreaded over the machine's cores).

Prints one line `numpy neuron_steps_per_second <value>`, or JSON with --json.
A neuron-step is one coordinate of one trajectory advanced one step
(M * n * steps in total).
"""
import argparse
import json
import time

import numpy as np


def run(n=64, trajectories=1000, steps=2000, gamma=0.1, sigma=0.5, seed=1, repeats=3):
    rng = np.random.default_rng(seed)
    # W scaled by 1/sqrt(n) so the network is in a generic, non-saturated regime
    # (the Swift side draws its own W; the cost does not depend on the values).
    w = rng.standard_normal((n, n)) / np.sqrt(n)
    wt = np.ascontiguousarray(w.T)
    b = 0.1 * rng.standard_normal(n)
    best = float("inf")
    checksum = 0.0
    for _ in range(repeats):
        x = np.zeros((trajectories, n))
        pre = np.empty_like(x)
        xi = np.empty_like(x)
        start = time.perf_counter()
        for _ in range(steps):
            rng.standard_normal(out=xi)
            np.matmul(x, wt, out=pre)  # (W x)^T for every trajectory at once
            pre += b
            xi *= sigma
            pre += xi
            np.tanh(pre, out=pre)
            pre *= gamma
            x *= 1.0 - gamma
            x += pre
        best = min(best, time.perf_counter() - start)
        checksum = float(x.mean())
    rate = trajectories * n * steps / best
    return rate, best, checksum


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trajectories", type=int, default=1000)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--dimension", type=int, default=64)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    rate, seconds, checksum = run(a.dimension, a.trajectories, a.steps, repeats=a.repeats)
    if a.json:
        print(json.dumps({"implementation": "numpy", "neuron_steps_per_second": rate,
                          "seconds": seconds, "trajectories": a.trajectories,
                          "steps": a.steps, "dimension": a.dimension,
                          "numpy": np.__version__, "mean_state": checksum}))
    else:
        print(f"numpy neuron_steps_per_second {rate:.4g}  ({seconds:.3f} s best of {a.repeats}, numpy {np.__version__})")


if __name__ == "__main__":
    main()
