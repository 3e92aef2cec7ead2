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
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (need Swift 6.x)" >&2; exit 1; }
