#!/usr/bin/env bash
# Ensemble benchmark, Swift vs NumPy, on the same computation: 1000
# trajectories x 2000 steps of the 64-neuron noise-in tanh network
#   x <- (1 - gamma) x + gamma tanh(W x + b + sigma xi),  gamma = 0.1, sigma = 0.5,
# one matrix product per step over all trajectories. Prints both rates in
# neuron-steps/second (trajectories x neurons x steps / seconds) and the ratio.
#
# Contract with the CLI (Sources/fixedpoints): `fixedpoints bench sde --json`
# runs `SDEBenchmark.run()` (Sources/SDE/SDEBenchmark.swift) and prints one
# JSON object with at least
#   "neuron_steps_per_second": <Result.neuronStepsPerSecond>   (number)
# and preferably "seconds", "trajectories", "steps", "dimension", "threads",
# "blas" (Result.blas: "openblas" or "gslcblas"). Options, if any, should
# default to the numbers above.
#
# Run both back to back on an otherwise idle machine: the ratio is what is
# comparable across machines, and both sides slow down under other load.
# FIXEDPOINTS_BLAS=gslcblas forces GSL's reference CBLAS for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

swift build -c release --product fixedpoints >&2
swift_json=$(swift run -c release --skip-build fixedpoints bench sde --json)
numpy_json=$("$PY" benchmarks/ensemble_numpy.py --json)

"$PY" - "$swift_json" "$numpy_json" <<'PYEOF'
import json, sys
s, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rs, rn = float(s["neuron_steps_per_second"]), float(n["neuron_steps_per_second"])
print(f"swift  {rs:.4g} neuron-steps/s  (blas: {s.get('blas', '?')}, threads: {s.get('threads', '?')})")
print(f"numpy  {rn:.4g} neuron-steps/s  (numpy {n.get('numpy', '?')})")
print(f"swift/numpy = {rs / rn:.2f}")
PYEOF
