#!/usr/bin/env python3
"""Runs every notebook in Notebooks/ top to bottom (`make notebooks`).

    python3 scripts/run_notebooks.py [NOTEBOOK.ipynb ...]

Each notebook runs in a fresh Python kernel with Notebooks/ as its working
directory; the figures it saves go to Notebooks/figures/ (PNG and PDF). The
notebooks themselves are not rewritten: they are committed without outputs.
A failing cell stops that notebook; the run exits 1 naming the notebook and
the cell's error, after trying the others. The binary is $FIXEDPOINTS_BIN
(set by the Makefile), else the release build of this checkout.
"""

import glob
import os
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from jupyter_client.manager import KernelManager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = os.path.join(ROOT, "Notebooks")


def run(path, timeout=900):
    nb = nbformat.read(path, as_version=4)
    # Committed without outputs: a stale output would pass for a result.
    stale = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    if stale:
        raise RuntimeError(f"cells {stale} have outputs; commit the notebook without them")
    # IPC sockets in a private directory rather than TCP on localhost: the
    # kernel needs no port, and warns about unencrypted TCP otherwise.
    with tempfile.TemporaryDirectory() as sockets:
        km = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
        client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": NOTEBOOKS}})
        try:
            client.execute()
        finally:
            # nbclient leaves a kernel it was handed running; this one is ours.
            if km.has_kernel:
                km.shutdown_kernel(now=True)


def main(argv):
    paths = argv or sorted(glob.glob(os.path.join(NOTEBOOKS, "*.ipynb")))
    if not paths:
        print("run_notebooks: no notebooks in Notebooks/", file=sys.stderr)
        return 1
    failed = []
    total = time.monotonic()
    for path in paths:
        start = time.monotonic()
        name = os.path.relpath(path, ROOT)
        try:
            run(path)
            print(f"{name}: ok ({time.monotonic() - start:.0f} s)", flush=True)
        except Exception as e:  # a failing cell, a dead kernel, a timeout: all fail the run
            failed.append(name)
            print(f"{name}: FAILED ({time.monotonic() - start:.0f} s)\n{e}", file=sys.stderr, flush=True)
    print(f"notebooks: {len(paths) - len(failed)} ok, {len(failed)} failed ({time.monotonic() - total:.0f} s); "
          f"figures in {os.path.relpath(os.path.join(NOTEBOOKS, 'figures'), ROOT)}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
