#!/usr/bin/env bash
# Training benchmark, Swift vs a reference framework, on the same computation:
# mini-batch BPTT + Adam iterations per second for the 64-unit relu CTRNN,
# noise-in sigma = 0.5, dt 0.1, tau 1, on the `function` task (batch 32,
# 100 steps per trial, loss on the last 50), gradient-norm clipping at 1,
# Adam lr 3e-3 with Trainer's cosine decay, float64.
#
#   bash benchmarks/train_bench.sh                      # SwiftPM scratch path .build
#   SCRATCH=.build-bench ROUNDS=3 bash benchmarks/train_bench.sh
#
# Not part of `make test`: the reference needs PyTorch (a large download), or
# JAX when PyTorch cannot be installed. Neither installed: this script runs
# `pip install torch` (then `pip install jax` if that fails) and says so; it
# exits with a message if neither installs.
#
# Measurements, back to back, each best of REPEATS runs of ITERATIONS iterations:
#   1. `fixedpoints bench train --json` (Sources/fixedpoints/BenchTrain.swift);
#   2. benchmarks/train_reference.py, float64 (the comparison) and float32 (for
#      information), eager; with PyTorch also torch.compile'd (COMPILE=0 skips it;
#      a failure to compile is reported, not fatal; the first compile takes
#      minutes, later ones hit the inductor cache);
#   3. when the other framework (JAX or PyTorch) is installed too, its runs as
#      well, for information (it is never installed for this).
# ROUNDS > 1 repeats the whole set and reports each round and the spread.
# Both sides use THREADS threads (default 1: the Swift trainer is one thread,
# its OpenBLAS calls are on THREADS threads; torch.set_num_threads(THREADS)).
#
# Environment:
#   SCRATCH=.build  SWIFT_BUILD_FLAGS=  PYTHON=python3  THREADS=1
#   ITERATIONS=200  REPEATS=3  ROUNDS=1  COMPILE=1  FRAMEWORK=auto (torch|jax)
# The machine may be shared: other load slows both sides; the ratio is what
# compares across machines. It reports; it never fails on time.
# Page faults: the trainer keeps BPTT's large buffers across iterations and
# sets glibc's mmap/trim thresholds itself (Trainer.keepFreedMemory), so the
# MALLOC_*_THRESHOLD_ environment variables no longer change the rate.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
SCRATCH=${SCRATCH:-.build}
read -r -a FLAGS <<< "${SWIFT_BUILD_FLAGS:-}"
THREADS=${THREADS:-1}
ITERATIONS=${ITERATIONS:-200}
REPEATS=${REPEATS:-3}
ROUNDS=${ROUNDS:-1}
COMPILE=${COMPILE:-1}
FRAMEWORK=${FRAMEWORK:-auto}
SIZES=(--hidden 64 --batch 32 --trial-steps 100 --iterations "$ITERATIONS" --repeats "$REPEATS" --threads "$THREADS")

# The reference framework: torch, else jax; install only if missing.
has() { "$PY" -c "import $1" 2>/dev/null; }
framework=""
case "$FRAMEWORK" in
  torch|jax) has "$FRAMEWORK" && framework=$FRAMEWORK ;;
  auto) if has torch; then framework=torch; elif has jax; then framework=jax; fi ;;
  *) echo "train_bench.sh: FRAMEWORK must be auto, torch or jax, got '$FRAMEWORK'" >&2; exit 2 ;;
esac
if [ -z "$framework" ]; then
  want=torch; [ "$FRAMEWORK" = jax ] && want=jax
  echo "train_bench.sh: $want is not installed; installing it from PyPI ($PY -m pip install $want)" >&2
  if "$PY" -m pip install "$want" >&2 && has "$want"; then
    framework=$want
  elif [ "$FRAMEWORK" = auto ] && { echo "train_bench.sh: torch did not install; trying jax ($PY -m pip install jax)" >&2;
                                    "$PY" -m pip install jax >&2 && has jax; }; then
    framework=jax
  else
    echo "train_bench.sh: neither PyTorch nor JAX could be installed with pip; no reference to compare against." >&2
    exit 1
  fi
fi

swift build -c release ${FLAGS[@]+"${FLAGS[@]}"} --scratch-path "$SCRATCH" --product fixedpoints >&2
BIN="$(swift build -c release ${FLAGS[@]+"${FLAGS[@]}"} --scratch-path "$SCRATCH" --show-bin-path)/fixedpoints"

# The other framework too, for information, when it is already installed (never installed for this).
others=()
for f in torch jax; do [ "$f" != "$framework" ] && [ "$FRAMEWORK" = auto ] && has "$f" && others+=("$f"); done

errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT
ref() {  # ref FRAMEWORK ARGS... : one JSON line, or {"failed": ..., "error": ...}
  local fw=$1; shift
  if out=$("$PY" benchmarks/train_reference.py --framework "$fw" --json "${SIZES[@]}" "$@" 2> "$errfile"); then
    echo "$out"
  else
    "$PY" -c 'import json,sys; print(json.dumps({"failed": sys.argv[1], "error": sys.argv[2][-400:]}))' "$fw $*" "$(cat "$errfile")"
  fi
}
variants() {  # the reference runs of one framework, as "key|args"
  echo "$1 f64|--dtype float64"
  echo "$1 f32|--dtype float32"
  if [ "$1" = torch ] && [ "$COMPILE" = 1 ]; then
    echo "$1 compile f64|--dtype float64 --compile"
    echo "$1 compile f32|--dtype float32 --compile"
  fi
}

results=()
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS: swift, then $framework ${others[*]+(and ${others[*]}, for information)}" >&2
  entries="\"swift\": $("$BIN" bench train --json "${SIZES[@]}")"
  for fw in "$framework" ${others[@]+"${others[@]}"}; do
    while IFS='|' read -r key args; do
      read -r -a argv <<< "$args"
      entries+=", \"$key\": $(ref "$fw" "${argv[@]}")"
    done < <(variants "$fw")
  done
  results+=("{$entries}")
done

"$PY" - "$(nproc 2>/dev/null || echo '?')" "$framework" "${results[@]}" <<'PYEOF'
import json, sys
cores, primary, rounds = sys.argv[1], sys.argv[2], [json.loads(r) for r in sys.argv[3:]]
s0 = rounds[0]["swift"]
main_key = primary + " f64"
print(f"training benchmark: {s0['hidden']} units, batch {s0['batch']}, {s0['steps_per_trial']} steps/trial, "
      f"function task, relu noise-in sigma {s0['sigma']}, {s0['iterations']} iterations best of {s0['repeats']}, "
      f"{s0['threads']} thread(s) each side, {cores} core(s)")

def rate(r):
    return None if r is None or "failed" in r else float(r["iterations_per_second"])

def label(key, r):
    if key == "swift":
        return f"swift float64 ({r.get('blas', '?')})"
    fw = key.split()[0]
    kind = "torch.compile" if "compile" in key else ("jit" if fw == "jax" else "eager")
    dtype = "float64" if key.endswith("f64") else "float32"
    version = r.get("version", "") if r and "failed" not in r else ""
    return f"{fw} {version} {dtype}, {kind}" + ("  <- reference" if key == main_key else "")

keys = list(rounds[0].keys())
rows = [(label(k, next((r[k] for r in rounds if rate(r.get(k)) is not None), rounds[0][k])), k) for k in keys]
w = max(len(l) for l, _ in rows)
print(f"{'run':<{w}}  " + "  ".join(f"{'round ' + str(i + 1):>9}" for i in range(len(rounds)))
      + f"  {'best it/s':>9}  {'swift/this':>10}")
best_swift = max(rate(r["swift"]) for r in rounds)
for l, key in rows:
    rs = [rate(r.get(key)) for r in rounds]
    if all(x is None for x in rs):
        err = (rounds[0].get(key) or {}).get("error", "").strip().splitlines()
        print(f"{l:<{w}}  failed: {err[-1] if err else '?'}")
        continue
    cells = "  ".join(f"{x:9.1f}" if x is not None else f"{'failed':>9}" for x in rs)
    best = max(x for x in rs if x is not None)
    print(f"{l:<{w}}  {cells}  {best:9.1f}  {best_swift / best:10.2f}")

pairs = [rate(r["swift"]) / rate(r[main_key]) for r in rounds if rate(r.get(main_key))]
if pairs:
    best_ref = max(rate(r[main_key]) for r in rounds if rate(r.get(main_key)))
    spread = f"; per round {min(pairs):.2f}..{max(pairs):.2f}" if len(pairs) > 1 else ""
    print(f"ratio swift / {primary} float64 {'jit' if primary == 'jax' else 'eager'} (best vs best): {best_swift / best_ref:.2f}{spread}; aim >= 1.5")
fr = s0.get("phase_fractions", {})
if fr:
    print("swift time per iteration: " + ", ".join(f"{k} {100 * v:.1f}%" for k, v in sorted(fr.items(), key=lambda kv: -kv[1])))
PYEOF
