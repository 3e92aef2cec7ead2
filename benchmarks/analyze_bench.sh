#!/usr/bin/env bash
# analyze benchmark: `fixedpoints analyze` on the bundled model with default
# settings must print its report in under 2 s. This script measures it (a
# benchmark, never a test: it reports, it does not fail on time) and states
# the speed as ratios: against the 2 s budget, and against a NumPy reference
# doing the chain-simulation part of the same run (benchmarks/analyze_reference.py:
# sigma = 0.1..1.0, 64 trajectories x 2000 steps, burn-in 400, every 4th
# step into mean and covariance, one matmul per step over all trajectories).
#
# Three measurements, back to back:
#   1. `fixedpoints bench analyze --json` (Sources/fixedpoints/BenchAnalyze.swift):
#      the analysis in-process, best of 3, with the chain only (the default)
#      and with all three schemes;
#   2. the whole CLI process `fixedpoints analyze` (start-up, checkpoint,
#      analysis, printing the report to /dev/null), best of 3, timed by bash's
#      `time` with TIMEFORMAT=%R;
#   3. the NumPy reference, best of 3.
# Then one table, and the readout means of both sides (same model, same
# ensemble sizes, different random numbers: they agree within Monte-Carlo
# error when the two do the same work).
#
# Environment:
#   SCRATCH=.build          SwiftPM scratch path (e.g. .build-cli to share a build)
#   SWIFT_BUILD_FLAGS=      extra `swift build` flags (e.g. "-Xswiftc -enable-testing"
#                           to reuse a test build instead of rebuilding)
#   PYTHON=python3
#   FIXEDPOINTS_BLAS=gslcblas  forces GSL's reference CBLAS (see sde_bench.sh)
#   HIDDEN=256,512,1024     sizes of the random relu networks of step 4 (empty: skip it)
#
# The machine is shared: other load slows both sides. The ratio NumPy/Swift is
# what compares across machines; the budget fraction is this machine's.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
SCRATCH=${SCRATCH:-.build}
read -r -a FLAGS <<< "${SWIFT_BUILD_FLAGS:-}"
REPEATS=3

swift build -c release ${FLAGS[@]+"${FLAGS[@]}"} --scratch-path "$SCRATCH" --product fixedpoints >&2
BIN="$(swift build -c release ${FLAGS[@]+"${FLAGS[@]}"} --scratch-path "$SCRATCH" --show-bin-path)/fixedpoints"

# 1. In-process analysis time.
bench_json=$("$BIN" bench analyze --json --repeats "$REPEATS")

# 2. The whole process, as a user runs it.
errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT
cli_times=()
for _ in $(seq "$REPEATS"); do
  t=$( { TIMEFORMAT=%R; time "$BIN" analyze > /dev/null 2> "$errfile"; } 2>&1 )
  if [ -s "$errfile" ]; then cat "$errfile" >&2; exit 1; fi
  cli_times+=("$t")
done
# The report's numbers, for the side-by-side check (not timed).
swift_json=$("$BIN" analyze --json)

# 3. NumPy.
numpy_json=$("$PY" benchmarks/analyze_reference.py --json --repeats "$REPEATS")

"$PY" - "$bench_json" "${cli_times[*]}" "$swift_json" "$numpy_json" "$(nproc 2>/dev/null || echo '?')" <<'PYEOF'
import json, math, sys
bench = json.loads(sys.argv[1])
cli = [float(t) for t in sys.argv[2].split()]
report, numpy = json.loads(sys.argv[3]), json.loads(sys.argv[4])
cores = sys.argv[5]
budget = 2.0
swift_cli = min(cli)
in_process = {row["run"]: float(row["seconds"]) for row in bench}
chain_only = next((s for r, s in in_process.items() if "default" in r), None)
n = numpy["seconds"]

rows = [("swift analyze, whole process (default settings)", swift_cli)]
rows += [("swift analyze in-process: " + r, s) for r, s in in_process.items()]
rows += [("numpy chain-only reference", n)]
print(f"analyze benchmark: {report['model']['path']}, {report['model']['hidden']} units, "
      f"{numpy['trajectories']} trajectories x {numpy['steps']} steps, 10 noise levels; "
      f"best of {len(cli)}; {cores} core(s)")
w = max(len(r) for r, _ in rows)
print(f"{'run':<{w}}  {'seconds':>8}  {'of 2 s budget':>13}  {'numpy/this':>10}")
for r, s in rows:
    print(f"{r:<{w}}  {s:8.3f}  {s / budget:13.2f}  {n / s:10.2f}")
print(f"whole process: {' '.join(f'{t:.3f}' for t in cli)} s; "
      f"{'within' if swift_cli < budget else 'OVER'} the {budget:g} s budget")
if chain_only:
    print(f"numpy/swift (chain-only, in-process) = {n / chain_only:.2f}; "
          f"numpy/swift (whole analyze process) = {n / swift_cli:.2f}")

# Same work? Readout means per sigma, Swift (chain) vs NumPy, independent
# random numbers: z = difference / combined SE.
levels = {round(l["sigma"], 10): l for l in report["noise_levels"]}
zs = []
for s, m, se in zip(numpy["sigmas"], numpy["readout_mean"], numpy["readout_se"]):
    l = levels.get(round(s, 10))
    if l is None:
        continue
    z = (l["simulated_mean"][0] - m[0]) / math.hypot(l["simulated_se"][0], se[0])
    zs.append(abs(z))
print(f"readout means, swift vs numpy over {len(zs)} noise levels: max |z| = {max(zs):.2f}"
      f"{'' if max(zs) < 4 else '  (MORE THAN 4 SE: not the same computation?)'}")
PYEOF

# 4. Scaling: one default analysis per random relu network of HIDDEN units,
#    seconds per stage (search, branches, closure, simulation) and processor
#    seconds (Sources/Benchmarks/AnalyzeStagesBenchmark.swift).
HIDDEN=${HIDDEN-256,512,1024}
if [ -n "$HIDDEN" ]; then "$BIN" bench analyze --hidden "$HIDDEN"; fi
