#!/usr/bin/env bash
# Times every run whose duration the documentation quotes and writes
# docs/timings.md: the date, the machine, the load average before and after
# each run, and the wall time. The README and Data/README point here instead
# of quoting times that go stale.
#
#   scripts/measure_timings.sh                 # every run (~15 min on a quiet 2-core machine)
#   scripts/measure_timings.sh analyze flipflop-model   # some runs; the others' rows are kept
#
# Runs happen in a temporary directory (nothing in Data/ is rewritten). A
# run whose 1-minute load average exceeded the core count before it started
# is marked "under load": its time says more about the other work on the
# machine than about fixedpoints.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SWIFT=${SWIFT:-swift}
PY=${PYTHON:-python3}
OUT=docs/timings.md
# SWIFT_BUILD_FLAGS="-Xswiftc -enable-testing" reuses the build `make test` made.
read -r -a FLAGS <<< "${SWIFT_BUILD_FLAGS:-}"
$SWIFT build -c release ${FLAGS[@]+"${FLAGS[@]}"} --product fixedpoints >&2
BIN="$($SWIFT build -c release ${FLAGS[@]+"${FLAGS[@]}"} --show-bin-path)/fixedpoints"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -R Data "$WORK/Data"
CORES=$(nproc)

# name | what the documentation says it is | command (run in $WORK)
RUNS=(
  "analyze|\`analyze\` on the bundled model, default options, whole process|\"\$BIN\" analyze >/dev/null"
  "readme-blocks|\`Tests/python/test_readme_blocks.py\` (the README's short blocks)|FIXEDPOINTS_BIN=\"\$BIN\" $PY -m pytest -q \"$REPO/Tests/python/test_readme_blocks.py\" >/dev/null"
  "readme-train|README \`train\` (64 relu units, 3000 iterations)|\"\$BIN\" train --task function --noise in --sigma 0.5 --hidden 64 --activation relu --iterations 3000 --seed 1 -o model.ckpt 2>/dev/null"
  "readme-paradox|README \`paradox\` (24 networks of 64 units, 3000 iterations)|\"\$BIN\" paradox --task function --noise in,out --sigma-train 0,0.25,0.5,1.0 --sigma-test 0:1.0:0.1 --seeds 3 >/dev/null 2>&1"
  "sweep-function|per-task sweep, \`--task function --hidden 32 --iterations 1500 --seeds 1\`|\"\$BIN\" paradox --task function --hidden 32 --iterations 1500 --seeds 1 --sigma-test 0:1:0.1 >/dev/null 2>&1"
  "sweep-regulator|per-task sweep, \`--task regulator\`, same settings|\"\$BIN\" paradox --task regulator --hidden 32 --iterations 1500 --seeds 1 --sigma-test 0:1:0.1 >/dev/null 2>&1"
  "sweep-decision|per-task sweep, \`--task decision\`, same settings|\"\$BIN\" paradox --task decision --hidden 32 --iterations 1500 --seeds 1 --sigma-test 0:1:0.1 >/dev/null 2>&1"
  "sweep-path-integration|per-task sweep, \`--task path-integration\`, same settings|\"\$BIN\" paradox --task path-integration --hidden 32 --iterations 1500 --seeds 1 --sigma-test 0:1:0.1 >/dev/null 2>&1"
  "mechanism-sweep|README mechanism sweep (function, 32 units, 1500 iterations, 2 seeds, --keep)|\"\$BIN\" paradox --task function --hidden 32 --iterations 1500 --noise in,out --sigma-train 0.25,0.5,1.0 --seeds 2 --keep nets --out r.json >/dev/null 2>&1"
  "mechanism|\`mechanism r.json\` on that sweep|\"\$BIN\" mechanism r.json >/dev/null 2>&1"
  "debias|one \`debias\` of that sweep (in-s0.5-seed1)|mkdir -p deb && \"\$BIN\" debias nets/in-s0.5-seed1.ckpt -o deb/in-s0.5-seed1.ckpt >/dev/null 2>&1"
  "bundled-models|Data/README: both bundled function models, trained in parallel|FIXEDPOINTS_BLAS=gslcblas \"\$BIN\" train --task function --activation relu --sigma 0.5 --hidden 32 --iterations 3000 --batch 32 --lr 0.003 --seed 1 --noise in -o in.ckpt 2>/dev/null & FIXEDPOINTS_BLAS=gslcblas \"\$BIN\" train --task function --activation relu --sigma 0.5 --hidden 32 --iterations 3000 --batch 32 --lr 0.003 --seed 1 --noise out -o out.ckpt 2>/dev/null; wait"
  "flipflop-model|Data/README: the flip-flop model|FIXEDPOINTS_BLAS=gslcblas \"\$BIN\" train --task flipflop --activation tanh --hidden 24 --iterations 2000 --batch 32 --lr 0.01 --sigma 0.1 --noise in --seed 1 -o flipflop.ckpt 2>/dev/null"
  "numpy-models|Data/README: the NumPy reference models (\`scripts/make_default_models.py\`)|mkdir -p numpy && $PY \"$REPO/scripts/make_default_models.py\" --out-dir numpy >/dev/null"
)

# Rows kept from an earlier run when only some runs are asked for.
declare -A ROW
if [ -f "$OUT" ]; then
  while IFS= read -r line; do
    name=$(printf '%s' "$line" | sed -n 's/^| `\([a-z-]*\)` |.*/\1/p')
    [ -n "$name" ] && ROW[$name]=$line
  done < "$OUT"
fi

want() { [ $# -eq 0 ] && return 0; local n; for n in "${SELECTED[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }
SELECTED=("$@")
load() { cut -d' ' -f1 /proc/loadavg; }
for spec in "${RUNS[@]}"; do
  IFS='|' read -r name what cmd <<< "$spec"
  if [ ${#SELECTED[@]} -gt 0 ] && ! want "$name"; then continue; fi
  before=$(load)
  start=$(date +%s.%N)
  if (cd "$WORK" && BIN="$BIN" eval "$cmd"); then status=ok; else status="FAILED ($?)"; fi
  end=$(date +%s.%N)
  after=$(load)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  note=$(awk -v l="$before" -v c="$CORES" 'BEGIN { print (l > c ? "under load" : "quiet") }')
  when=$(date -u +%Y-%m-%dT%H:%MZ)
  ROW[$name]="| \`$name\` | $what | $seconds | $before → $after ($note) | $when | $status |"
  echo "$name: $seconds s (load $before -> $after, $note) $status" >&2
done

{
  echo "# Measured times"
  echo
  echo "Written by \`scripts/measure_timings.sh\`; the documentation's times point here."
  echo "Wall-clock seconds of one run each, on:"
  echo
  echo "- machine: $(uname -srm), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $CORES cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)"
  echo "- $($SWIFT --version 2>/dev/null | head -1)"
  echo "- commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), release build${FLAGS[@]+ with ${FLAGS[*]}}"
  echo
  echo "\"under load\": the 1-minute load average exceeded the $CORES cores when the run"
  echo "started (other jobs shared the machine), so the time is an upper bound."
  echo
  echo "| run | what | seconds | load average before → after | date (UTC) | status |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for spec in "${RUNS[@]}"; do
    IFS='|' read -r name _ _ <<< "$spec"
    [ -n "${ROW[$name]:-}" ] && echo "${ROW[$name]}"
  done
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "wrote $OUT" >&2
