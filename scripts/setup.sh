#!/usr/bin/env bash
# Installs what fixedpoints needs on a fresh Debian machine, and nothing that
# is already there. Safe to run repeatedly; non-interactive (CI has no stdin).
set -euo pipefail

need_apt=()
pkg-config --version >/dev/null 2>&1 || need_apt+=(pkg-config)
pkg-config --exists gsl 2>/dev/null || need_apt+=(libgsl-dev)
# OpenBLAS's dgemm (~7x GSL's reference CBLAS here) for batched ensembles; the
# SDE layer dlopens libopenblas.so.0 at run time and falls back to gslcblas.
ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0' || need_apt+=(libopenblas0)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (apt)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# pdflatex with booktabs and siunitx: a test compiles every table `fixedpoints
# table --format latex` writes. Without recommends: ~20 packages, not ~100.
if ! { command -v pdflatex >/dev/null 2>&1 && kpsewhich siunitx.sty >/dev/null 2>&1 && kpsewhich booktabs.sty >/dev/null 2>&1; }; then
  echo "setup: installing texlive-latex-recommended texlive-science (apt)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends texlive-latex-recommended texlive-science >/dev/null
fi

# Python is only for the independent cross-checks (mpmath references,
# safetensors interop) and notebooks.
PY=${PYTHON:-python3}
if command -v "$PY" >/dev/null 2>&1; then
  missing=$("$PY" - <<'PYEOF'
import importlib.util
mods = {"mpmath": "mpmath", "numpy": "numpy", "scipy": "scipy", "pytest": "pytest", "safetensors": "safetensors",
        # figures (scripts/figures.py) and `make notebooks` (scripts/run_notebooks.py)
        "matplotlib": "matplotlib", "nbformat": "nbformat", "nbclient": "nbclient", "ipykernel": "ipykernel"}
print(" ".join(p for m, p in mods.items() if importlib.util.find_spec(m) is None))
PYEOF
)
  if [ -n "$missing" ]; then
    echo "setup: installing $missing (pip)" >&2
    "$PY" -m pip install -q $missing
  fi
  # fixedpoints_io (python/, `pip install ./python`): what a PyTorch/JAX
  # training script imports to write checkpoints; installed when missing or
  # when the installed copy differs from this repository's.
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  if ! "$PY" - "$ROOT/python/fixedpoints_io" <<'PYEOF'
import filecmp, importlib.util, os, sys
src = sys.argv[1]
spec = importlib.util.find_spec("fixedpoints_io")
if spec is None or not spec.origin:
    sys.exit(1)
installed = os.path.dirname(spec.origin)
names = sorted(n for n in os.listdir(src) if n.endswith(".py"))
_, mismatch, errors = filecmp.cmpfiles(src, installed, names, shallow=False)
sys.exit(1 if mismatch or errors else 0)
PYEOF
  then
    echo "setup: installing fixedpoints_io (pip install ./python)" >&2
    "$PY" -m pip install -q "$ROOT/python"
  fi
  # torch, for the tests that run a real torch module through the converter
  # and fixedpoints_io.from_torch. Only a CPU-only build (version "+cpu"):
  # PyPI's default Linux wheel pulls the CUDA libraries (~5 GB). Where no CPU
  # wheel is reachable those tests are skipped, each with its reason.
  # FIXEDPOINTS_NO_TORCH=1 skips this step.
  if [ -z "${FIXEDPOINTS_NO_TORCH:-}" ] && ! "$PY" -c "import torch" >/dev/null 2>&1; then
    cpu_torch=$("$PY" -m pip index versions torch 2>/dev/null | sed -n 's/^Available versions: //p' \
      | tr ',' '\n' | tr -d ' ' | grep '+cpu$' | head -1 || true)
    if [ -n "$cpu_torch" ]; then
      echo "setup: installing torch==$cpu_torch (pip, CPU-only build)" >&2
      "$PY" -m pip install -q "torch==$cpu_torch" \
        || echo "setup: torch $cpu_torch did not install; the torch tests will be skipped" >&2
    else
      echo "setup: no CPU-only torch wheel reachable; the torch tests will be skipped" >&2
    fi
  fi
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (need Swift 6.x)" >&2; exit 1; }
