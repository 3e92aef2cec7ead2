#!/usr/bin/env bash
# Regenerates the bundled checkpoints in Data/ with the project's own trainer
# (`fixedpoints train`), byte for byte:
#
#   scripts/make_bundled_models.sh            # time: docs/timings.md, bundled-models
#   sha256sum Data/*.ckpt                     # compare with Data/README.md
#
# GSL's reference CBLAS is forced (FIXEDPOINTS_BLAS=gslcblas): OpenBLAS picks
# its kernels by CPU, and a different kernel may round a dot product
# differently, which 3000 Adam steps would amplify; the reference CBLAS is
# plain C loops, the same on every x86-64 machine. The two runs go in
# parallel (one per core).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
swift_build() { $SWIFT build -c release --product fixedpoints >&2; }
swift_build
BIN="$($SWIFT build -c release --show-bin-path)/fixedpoints"
export FIXEDPOINTS_BLAS=gslcblas
COMMON=(--task function --activation relu --sigma 0.5 --hidden 32 --steps 3000 --batch 32 --lr 0.003 --seed 1)
"$BIN" train "${COMMON[@]}" --noise in -o Data/function-relu-noise-in.ckpt &
pid_in=$!
"$BIN" train "${COMMON[@]}" --noise out -o Data/function-relu-noise-out.ckpt &
pid_out=$!
wait $pid_in
wait $pid_out
sha256sum Data/function-relu-noise-in.ckpt Data/function-relu-noise-out.ckpt
