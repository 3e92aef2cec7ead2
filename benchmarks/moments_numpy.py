#!/usr/bin/env python3
"""NumPy reference for the batched-moments benchmark (`fixedpoints bench
moments --batched N`, Sources/Benchmarks/MomentsBenchmark.swift).

E f(mu + s xi) (mean only) and E f, E f' (mean + slope), xi ~ N(0, 1), for
arrays of (mu, s), by a 40-node Gauss-Hermite rule vectorised the way a NumPy
user would write it: the (elements x 40) argument array, one ufunc call for
f (and one expression for f' from f), a matrix-vector product with the
weights. Processed in blocks of 4096 elements to stay in cache. The grids are
the Swift side's: mu from -3 to 3 in steps of 0.25, s in {0.05, 0.2, 0.5, 0.8}
("narrow") or {1.5, 3, 10, 50} ("wide"), repeated to N elements.

This rule is not accurate to 1e-12 everywhere on these grids (tanh at s = 0.8
needs ~150 nodes, see Sources/GaussianMoments/BatchedMoments.swift; on the wide
grid it is off by far more); it is the throughput a user gets, not a
reference value.

Prints JSON with --json: {"numpy": version, "rows": [{"activation", "grid",
"quantities", "elements_per_second"}]}.
"""
import argparse
import json
import time

import numpy as np


GRIDS = {"narrow": [0.05, 0.2, 0.5, 0.8], "wide": [1.5, 3.0, 10.0, 50.0]}


def grid(elements, name="narrow"):
    mus = np.arange(-3.0, 3.0 + 1e-9, 0.25)
    sigmas = np.array(GRIDS[name])
    k = np.arange(elements)
    return mus[k % len(mus)], sigmas[(k // len(mus)) % len(sigmas)]


def funcs(name):
    if name == "tanh":
        return np.tanh, lambda y: 1.0 - y * y
    if name == "sigmoid":
        f = lambda x: 0.5 * (1.0 + np.tanh(0.5 * x))
        return f, lambda y: y * (1.0 - y)
    if name == "softplus":
        return (lambda x: np.logaddexp(0.0, x)), None
    raise ValueError(name)


def run(name, mu, s, slope, nodes=40, block=4096):
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / np.sqrt(2 * np.pi)
    f, df = funcs(name)
    mean = np.empty_like(mu)
    dmean = np.empty_like(mu) if slope else None
    for a in range(0, len(mu), block):
        b = min(a + block, len(mu))
        arg = mu[a:b, None] + s[a:b, None] * x[None, :]
        if name == "softplus":
            y = np.logaddexp(0.0, arg)
            mean[a:b] = y @ w
            if slope:
                # softplus' = sigmoid
                dmean[a:b] = (0.5 * (1.0 + np.tanh(0.5 * arg))) @ w
        else:
            y = f(arg)
            mean[a:b] = y @ w
            if slope:
                dmean[a:b] = df(y) @ w
    return mean, dmean


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--elements", type=int, default=100000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    rows = []
    for g in GRIDS:
        mu, s = grid(a.elements, g)
        for name in ["tanh", "sigmoid", "softplus"]:
            for slope in [False, True]:
                best = float("inf")
                for _ in range(a.repeats):
                    t = time.perf_counter()
                    m, _ = run(name, mu, s, slope)
                    best = min(best, time.perf_counter() - t)
                    assert np.all(np.isfinite(m))
                rows.append({"activation": name, "grid": g, "quantities": "mean+slope" if slope else "mean",
                             "elements_per_second": a.elements / best})
    if a.json:
        print(json.dumps({"numpy": np.__version__, "rows": rows}))
    else:
        for r in rows:
            print(f"numpy {r['activation']:9s} {r['grid']:6s} {r['quantities']:11s} {r['elements_per_second']:.4g} elements/s")


if __name__ == "__main__":
    main()
