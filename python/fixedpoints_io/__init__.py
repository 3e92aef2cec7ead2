"""fixedpoints_io: write and read fixedpoints CTRNN checkpoints from Python.

    from fixedpoints_io import save_ctrnn, from_torch, load

save_ctrnn(path, W_rec, W_in, b, W_out, b_out, activation=..., noise=...,
sigma_train=..., dt=..., tau=...) writes five arrays; from_torch(module,
path, ...) converts a live torch module through the layout recogniser (and
checks the conversion by running both); load(path) reads a checkpoint.
The command-line converter is scripts/torch_to_ckpt.py (or
`python3 -m fixedpoints_io`).
"""

from .convert import (ACTIVATIONS, FORMAT, KNOWN_TASKS, TARGETS, ZEROS, Conversion, ConversionError, convert,
                      convert_state_dict)
from .check import CheckFailed, check as check_conversion
from .io import Checkpoint, from_torch, load, load_source, save_ctrnn, write_checkpoint
from .layouts import recognise
from .noise import SCALINGS, translate

__all__ = ["save_ctrnn", "from_torch", "load", "convert", "convert_state_dict", "recognise", "translate",
           "check_conversion", "load_source", "write_checkpoint", "Checkpoint", "Conversion", "ConversionError",
           "CheckFailed", "SCALINGS", "ACTIVATIONS", "KNOWN_TASKS", "FORMAT", "TARGETS", "ZEROS"]
