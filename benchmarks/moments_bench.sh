#!/usr/bin/env bash
# Batched Gaussian moments, fixedpoints vs NumPy, in one run: (mu, s) elements
# per second for E f (mean) and E f, E f' (mean+slope), f in tanh, sigmoid,
# softplus, on the same grids (mu in [-3, 3] step 0.25, s in {0.05, 0.2, 0.5,
# 0.8} "narrow" and {1.5, 3, 10, 50} "wide"), each row against NumPy's on its grid. fixedpoints: `bench moments --batched N` (rules chosen per element,
# accurate to 1e-13 relative, Sources/GaussianMoments/BatchedMoments.swift);
# NumPy: benchmarks/moments_numpy.py (a 40-node Gauss-Hermite rule, vectorised).
# ROUNDS > 1 repeats both and prints every round. Reports; never fails on time.
#
# Environment: SCRATCH=.build  PYTHON=python3  ELEMENTS=100000  ROUNDS=1
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
SCRATCH=${SCRATCH:-.build}
ELEMENTS=${ELEMENTS:-100000}
ROUNDS=${ROUNDS:-1}
swift build -c release --scratch-path "$SCRATCH" --product fixedpoints >&2
BIN="$SCRATCH/release/fixedpoints"
for round in $(seq 1 "$ROUNDS"); do
  swift_json=$("$BIN" bench moments --evaluations 1 --batched "$ELEMENTS" --json)
  numpy_json=$("$PY" benchmarks/moments_numpy.py --elements "$ELEMENTS" --json)
  "$PY" - "$round" "$swift_json" "$numpy_json" <<'PYEOF'
import json, sys
rnd, s, n = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
ref = {(r["activation"], r["grid"], r["quantities"]): r["elements_per_second"] for r in n["rows"]}
print(f"round {rnd} (numpy {n['numpy']})")
print(f"{'activation':10s} {'grid':6s} {'quantities':11s} {'fixedpoints/s':>14s} {'numpy/s':>12s} {'ratio':>7s}")
for r in s["batched"]:
    key = (r["activation"], r["grid"], r["quantities"])
    ours, theirs = float(r["elements_per_second"]), ref[key]
    print(f"{key[0]:10s} {key[1]:6s} {key[2]:11s} {ours:14.4g} {theirs:12.4g} {ours / theirs:7.2f}")
PYEOF
done
