#!/usr/bin/env python3
"""JAX reference for the training benchmark (`fixedpoints bench train`,
Sources/fixedpoints/BenchTrain.swift): mini-batch BPTT + Adam iterations per
second for the 64-unit relu CTRNN, noise-in sigma = 0.5, batch 32, 100 steps
per trial, loss on the last 50, gradient clipping at 1, Adam with the cosine
schedule, in float64 and float32.

The JAX model, loss and step are benchmarks/train_reference.py's `run_jax`
(one jitted step: `lax.scan` over the trial's steps, batched over trials, the
noise and inputs drawn inside the step from a split key), so the work is
exactly the one train_bench.sh compares; this script runs both precisions in
one process each and prints them together.

Prints one line per precision, or JSON ({"rows": [...]}) with --json.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    rows = []
    for dtype in a.dtypes.split(","):
        # One process per precision: jax_enable_x64 is process-wide.
        out = subprocess.run(
            [sys.executable, os.path.join(HERE, "train_reference.py"), "--framework", "jax", "--dtype", dtype,
             "--iterations", str(a.iterations), "--repeats", str(a.repeats), "--threads", str(a.threads), "--json"],
            check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        r["dtype"] = dtype
        rows.append(r)
    if a.json:
        print(json.dumps({"rows": rows}))
    else:
        for r in rows:
            print(f"jax jit {r['dtype']} iterations_per_second {r['iterations_per_second']:.4g}")


if __name__ == "__main__":
    main()
