"""Running the fixedpoints CLI from a notebook.

The notebooks only read what the CLI writes; this module finds the binary,
runs it, and keeps a run's output directory so that two notebooks needing the
same sweep (paradox.ipynb and mechanism.ipynb) train it once. Nothing here
computes a result.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def repo_root() -> Path:
    """The checkout: the first parent of this file holding Package.swift."""
    here = Path(__file__).resolve().parent
    for p in [here, *here.parents]:
        if (p / "Package.swift").exists():
            return p
    raise RuntimeError(f"no Package.swift above {here}")


ROOT = repo_root()
FIGURES = ROOT / "Notebooks" / "figures"
CACHE = ROOT / "Notebooks" / ".cache"

# The plotting functions are shared with `make figures` (scripts/figures.py).
sys.path.insert(0, str(ROOT / "scripts"))
import figures  # noqa: E402,F401


def binary() -> str:
    """$FIXEDPOINTS_BIN, else the release binary of this checkout (built by
    `make build`; the same path `make test` uses)."""
    env = os.environ.get("FIXEDPOINTS_BIN")
    if env:
        return env
    try:
        bin_dir = subprocess.run(
            ["swift", "build", "-c", "release", "-Xswiftc", "-enable-testing", "--show-bin-path"],
            cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        raise RuntimeError("set FIXEDPOINTS_BIN to the fixedpoints binary, or build it with `make build`") from e
    path = os.path.join(bin_dir, "fixedpoints")
    if not os.path.exists(path):
        raise RuntimeError(f"{path} does not exist: build it with `make build`")
    return path


def run(*args, cwd=None) -> str:
    """Runs `fixedpoints ARGS` and returns its stdout; a failure raises with its stderr."""
    cmd = [binary(), *map(str, args)]
    p = subprocess.run(cmd, cwd=cwd or ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"`fixedpoints {' '.join(map(str, args))}` exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def run_json(*args, cwd=None):
    """`fixedpoints ARGS --json`, parsed."""
    return json.loads(run(*args, "--json", cwd=cwd))


def show(*args, cwd=None) -> str:
    """Runs the command, prints the command line and what it printed (the terminal report)."""
    print("$ fixedpoints " + " ".join(map(str, args)))
    out = run(*args, cwd=cwd)
    print(out)
    return out


def _key(args) -> str:
    """Cache key: the arguments and the binary's size and mtime (a rebuilt binary runs again)."""
    st = os.stat(binary())
    text = json.dumps([list(map(str, args)), st.st_size, int(st.st_mtime)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def kept_sweep(*args) -> Path:
    """A directory holding `paradox ARGS --keep nets --out results.json`, run once
    for these arguments and this binary. Returns the directory."""
    d = CACHE / f"sweep-{_key(args)}"
    results = d / "results.json"
    if not results.exists():
        if d.exists():
            shutil.rmtree(d)  # an interrupted run: start over
        d.mkdir(parents=True)
        run("paradox", *args, "--keep", "nets", "--out", "results.json", cwd=d)
    return d


# The small sweep paradox.ipynb and mechanism.ipynb share (trained once, see
# kept_sweep): 12 networks of 16 relu units, 300 iterations each — enough for
# noise-in networks to move their optimum off 0, small enough that
# `make notebooks` stays within a few minutes on 2 cores. Not a result to quote.
SMALL_SWEEP = (
    "--task", "function", "--hidden", 16, "--iterations", 300, "--noise", "in,out",
    "--sigma-train", "0.25,0.5,1.0", "--sigma-test", "0:1:0.125", "--seeds", 2, "--eval-trials", 64,
)
