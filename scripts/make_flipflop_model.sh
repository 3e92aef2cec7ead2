#!/usr/bin/env bash
# Regenerates the bundled flip-flop checkpoint Data/flipflop-tanh-noise-in.ckpt
# with the project's own trainer (`fixedpoints train`), byte for byte:
#
#   scripts/make_flipflop_model.sh            # time: docs/timings.md, flipflop-model
#   sha256sum Data/flipflop-tanh-noise-in.ckpt   # compare with Data/README.md
#
# GSL's reference CBLAS is forced (FIXEDPOINTS_BLAS=gslcblas) for the same
# reason as in make_bundled_models.sh: OpenBLAS kernels differ by CPU, and a
# different rounding of a dot product would be amplified by 2000 Adam steps.
# 24 tanh units and 2000 iterations are enough for the 8 memories: the
# trained network has 8 stable fixed points and 19 saddles at zero input.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
$SWIFT build -c release --product fixedpoints >&2
BIN="$($SWIFT build -c release --show-bin-path)/fixedpoints"
export FIXEDPOINTS_BLAS=gslcblas
"$BIN" train --task flipflop --activation tanh --hidden 24 --iterations 2000 --batch 32 --lr 0.01 \
  --sigma 0.1 --noise in --seed 1 -o Data/flipflop-tanh-noise-in.ckpt
sha256sum Data/flipflop-tanh-noise-in.ckpt
