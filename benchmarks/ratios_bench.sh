#!/usr/bin/env bash
# Every performance ratio in one run: fixedpoints vs NumPy vs JAX (jit,
# float64 and float32) on
#   ensemble   `bench sde` (64-unit noise-in tanh, 1000 traj x 2000 steps),
#              and `bench sde --precision f32` (float32 kernels),
#              benchmarks/ensemble_numpy.py, benchmarks/ensemble_jax.py;
#   training   `bench train` (BPTT + Adam, 64 relu units, batch 32, 100 steps),
#              and `bench train --precision f32`,
#              benchmarks/train_jax.py (train_reference.py's JAX step);
#   moments    `bench moments --batched` (mean; mean+slope), benchmarks/moments_numpy.py.
# ROUNDS (default 3) repeats the whole set; each round prints its own table, so
# the spread shows. Run on a quiet machine: load slows the sides unequally.
# JAX missing: installed from PyPI (`$PYTHON -m pip install jax`), and said so.
# Not part of `make test` or CI. Reports; never fails on time.
#
# Environment: SCRATCH=.build  PYTHON=python3  ROUNDS=3  THREADS=(cores)
#   QUICK=1 shrinks every workload ~10x (to check the script, not to measure).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
SCRATCH=${SCRATCH:-.build}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-$(nproc)}
if ! "$PY" -c "import jax" 2>/dev/null; then
  echo "ratios_bench.sh: jax is not installed; installing it from PyPI ($PY -m pip install jax)" >&2
  "$PY" -m pip install jax >&2 || { echo "ratios_bench.sh: could not install jax" >&2; exit 1; }
fi
swift build -c release --scratch-path "$SCRATCH" --product fixedpoints >&2
BIN="$SCRATCH/release/fixedpoints"
if [ "${QUICK:-0}" = 1 ]; then
  ENS=(--trajectories 200 --steps 400 --repeats 1); TRAIN_IT=20; ELEMENTS=20000; REP=1
else
  ENS=(--trajectories 1000 --steps 2000 --repeats 3); TRAIN_IT=200; ELEMENTS=100000; REP=3
fi
for round in $(seq 1 "$ROUNDS"); do
  tmp=$(mktemp -d)
  "$BIN" bench sde --json --threads "$THREADS" "${ENS[@]}" > "$tmp/sde.json"
  "$BIN" bench sde --json --precision f32 --threads "$THREADS" "${ENS[@]}" > "$tmp/sde32.json"
  "$PY" benchmarks/ensemble_numpy.py --json "${ENS[@]}" > "$tmp/ens_numpy.json"
  "$PY" benchmarks/ensemble_jax.py --json --dtype float64 "${ENS[@]}" > "$tmp/ens_jax64.json"
  "$PY" benchmarks/ensemble_jax.py --json --dtype float32 "${ENS[@]}" > "$tmp/ens_jax32.json"
  "$BIN" bench train --json --iterations "$TRAIN_IT" --repeats "$REP" > "$tmp/train.json"
  "$BIN" bench train --json --precision f32 --iterations "$TRAIN_IT" --repeats "$REP" > "$tmp/train32.json"
  "$PY" benchmarks/train_jax.py --json --iterations "$TRAIN_IT" --repeats "$REP" > "$tmp/train_jax.json"
  "$BIN" bench moments --evaluations 1 --batched "$ELEMENTS" --repeats "$REP" --json > "$tmp/moments.json"
  "$PY" benchmarks/moments_numpy.py --json --elements "$ELEMENTS" --repeats "$REP" > "$tmp/moments_numpy.json"
  "$PY" - "$round" "$tmp" <<'PYEOF'
import json, sys, os
rnd, d = sys.argv[1], sys.argv[2]
j = lambda name: json.load(open(os.path.join(d, name)))
print(f"== round {rnd}")
sde, en, e64, e32 = j("sde.json"), j("ens_numpy.json"), j("ens_jax64.json"), j("ens_jax32.json")
f = float(sde["neuron_steps_per_second"])
print(f"ensemble (neuron-steps/s): fixedpoints {f:.3g} ({sde.get('threads')} threads) | numpy {en['neuron_steps_per_second']:.3g} "
      f"| jax f64 {e64['neuron_steps_per_second']:.3g} | jax f32 {e32['neuron_steps_per_second']:.3g}")
print(f"  ratios (f64): vs numpy {f / en['neuron_steps_per_second']:.2f}, vs jax f64 {f / e64['neuron_steps_per_second']:.2f}, "
      f"vs jax f32 {f / e32['neuron_steps_per_second']:.2f}")
f32 = float(j("sde32.json")["neuron_steps_per_second"])
print(f"  fixedpoints f32 {f32:.3g}; ratios (f32): vs numpy {f32 / en['neuron_steps_per_second']:.2f}, "
      f"vs jax f32 {f32 / e32['neuron_steps_per_second']:.2f}")
tr, tj = j("train.json"), j("train_jax.json")
t = float(tr["iterations_per_second"])
jr = {r["dtype"]: r["iterations_per_second"] for r in tj["rows"]}
print(f"training (iterations/s): fixedpoints {t:.3g} | jax f64 {jr['float64']:.3g} | jax f32 {jr['float32']:.3g}")
print(f"  ratios (f64): vs jax f64 {t / jr['float64']:.2f}, vs jax f32 {t / jr['float32']:.2f}")
t32 = float(j("train32.json")["iterations_per_second"])
print(f"  fixedpoints f32 {t32:.3g}; ratio (f32) vs jax f32 {t32 / jr['float32']:.2f}")
mo, mn = j("moments.json"), j("moments_numpy.json")
ref = {(r["activation"], r["grid"], r["quantities"]): r["elements_per_second"] for r in mn["rows"]}
print("moments (elements/s): fixedpoints batched vs numpy 40-node Gauss-Hermite (s grid narrow <= 0.8, wide 1.5-50)")
for r in mo["batched"]:
    k = (r["activation"], r["grid"], r["quantities"])
    ours = float(r["elements_per_second"])
    print(f"  {k[0]:9s} {k[1]:6s} {k[2]:11s} {ours:.3g} vs {ref[k]:.3g}: {ours / ref[k]:.2f}")
PYEOF
  rm -rf "$tmp"
done
