#!/usr/bin/env python3
"""Convert a PyTorch state_dict (.pt), a .npz or a .safetensors file into a
fixedpoints checkpoint (.ckpt).

The work is done by the `fixedpoints_io` package in python/ (installable with
`pip install ./python`; this script finds it in the repository without
installing). Run with --help for the recognised layouts and noise scalings.

    python3 scripts/torch_to_ckpt.py model.pt out.ckpt \\
        --activation relu --noise-scaling in-sqrt-2-over-alpha --sigma-train 0.05 --dt 20 --tau 100

prints the layout it recognised and the mapping, runs the source's forward
function next to the converted model (refusing the conversion if they
differ beyond rounding), and writes out.ckpt atomically. Check the result
with `fixedpoints checkpoint inspect out.ckpt`.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))

from fixedpoints_io.cli import main, parse_mapping  # noqa: E402,F401
from fixedpoints_io.convert import (  # noqa: E402,F401
    ACTIVATIONS, FORMAT, KNOWN_TASKS, NOISE, TARGETS, ZEROS, ConversionError, convert, convert_state_dict)
from fixedpoints_io.io import load_source, write_checkpoint  # noqa: E402,F401

load_state_dict = load_source

if __name__ == "__main__":
    sys.exit(main())
