"""The converter's command line (scripts/torch_to_ckpt.py, and
`python3 -m fixedpoints_io` once the package is installed)."""

import argparse
import importlib.util
import json
import sys

import numpy as np

from . import check as C
from . import noise as N
from .convert import ACTIVATIONS, KNOWN_TASKS, NOISE, ConversionError, convert
from .io import load_source, write_checkpoint

PROG = "torch_to_ckpt"

EPILOG = """\
layouts recognised without --map: fixedpoints names (W_rec, W_in, b, W_out,
b_out); PsychRNN Basic weights (W_rec, W_in, b_rec, W_out, b_out + masks);
torch nn.RNN (weight_hh_l0, ...; discrete, dt = tau = 1) with a Linear
readout; the NeuroGym tutorial CTRNN (input2h, h2h, fc; biases summed); Flax
SimpleCell (Dense i, h; kernels transposed). Any prefix; "/" or "." paths.

noise scalings (--noise-scaling; alpha = gamma = dt/tau):
""" + "\n".join(f"  {k:<22} {v[1]}" for k, v in N.SCALINGS.items())


def parse_mapping(items):
    mapping = {}
    for item in items or []:
        target, sep, keys = item.partition("=")
        if not sep or not keys:
            raise ConversionError(f"--map wants TARGET=KEY[+KEY...], got {item!r}")
        mapping[target.strip()] = [k.strip() for k in keys.split("+")]
    return mapping


def _module(spec, kwargs, arrays):
    """--module path.py:Class: the class built with --module-args and the
    source's weights loaded (strict: every key must fit)."""
    import torch
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise ConversionError(f"--module wants path.py:Class, got {spec!r}")
    mspec = importlib.util.spec_from_file_location("fixedpoints_user_module", path)
    if mspec is None:
        raise ConversionError(f"--module: cannot import {path}")
    mod = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(mod)
    if not hasattr(mod, name):
        raise ConversionError(f"--module: {path} has no {name}")
    module = getattr(mod, name)(**kwargs)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ConversionError(f"--module: the weights do not fit {name}: {str(e).splitlines()[0]}") from None
    return module


def main(argv=None):
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Convert a PyTorch state_dict (.pt), a .npz or a .safetensors file (a state_dict, a flattened "
                    "JAX/Flax/Equinox tree, PsychRNN weights) into a fixedpoints .ckpt.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="the source: .pt, .npz or .safetensors")
    p.add_argument("output", help="the .ckpt file to write")
    p.add_argument("--activation", required=True, choices=ACTIVATIONS)
    p.add_argument("--noise", choices=NOISE, help="the checkpoint's own conventions: in = sigma*xi inside f, "
                   "out = gamma*sigma*xi outside f (same as --noise-scaling in|out)")
    p.add_argument("--noise-scaling", choices=tuple(N.SCALINGS), help="the source's noise convention (below); "
                   "--sigma-train is then that convention's sigma and is translated")
    p.add_argument("--sigma-train", required=True, type=float)
    p.add_argument("--dt", type=float, help="required unless the layout is discrete (nn.RNN: dt = tau = 1)")
    p.add_argument("--tau", type=float)
    p.add_argument("--task", help=f"one of {', '.join(KNOWN_TASKS)}; leave out for any other task")
    p.add_argument("--seed")
    p.add_argument("--loss", type=float)
    p.add_argument("--dtype", choices=("f32", "f64"), help="default: float64 if any weight is float64")
    p.add_argument("--state-dict-key", help="take the state_dict from this entry of the loaded file")
    p.add_argument("--map", action="append", metavar="TARGET=KEY[+KEY...]",
                   help="source key(s) of W_rec, W_in, b, W_out or b_out, summed (repeatable); overrides the layout; "
                        "a 2-D key ending in 'kernel' (Flax, [in, out]) is transposed")
    p.add_argument("--ignore", action="append", default=[], metavar="KEY",
                   help="a source tensor that is not part of the network (an unmapped bias is an error otherwise)")
    p.add_argument("--module", metavar="PATH.py:CLASS",
                   help="a torch module class to load the weights into and run next to the converted model")
    p.add_argument("--module-args", default="{}", metavar="JSON", help="keyword arguments for --module's class")
    args = p.parse_args(argv)
    try:
        mapping = parse_mapping(args.map)
        arrays = load_source(args.input, args.state_dict_key)
        c = convert(arrays, activation=args.activation, noise=args.noise, noise_scaling=args.noise_scaling,
                    sigma_train=args.sigma_train, dt=args.dt, tau=args.tau, task=args.task, seed=args.seed,
                    loss=args.loss, mapping=mapping or None, ignore=args.ignore,
                    dtype={"f32": np.float32, "f64": np.float64}.get(args.dtype))
        scaling = args.noise_scaling or args.noise
        checks = []
        if c.layout is not None and not (set(mapping) & {"W_rec", "W_in", "b", "W_out", "b_out"}):
            checks += C.check(c, arrays, scaling=scaling, sigma=args.sigma_train)
        if args.module:
            try:
                kwargs = json.loads(args.module_args)
            except json.JSONDecodeError as e:
                raise ConversionError(f"--module-args is not JSON: {e}") from None
            checks += C.check_module(_module(args.module, kwargs, arrays), c)
        if not checks:
            checks.append("check: not run (no known forward function for a --map conversion; "
                          "give --module path.py:Class to run the source)")
        write_checkpoint(args.output, c.tensors, c.metadata)
    except (ConversionError, C.CheckFailed) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    print(c.describe())
    for line in checks:
        print(line)
    n, i = c.tensors["W_in"].shape
    print(f"wrote {args.output}: N = {n}, I = {i}, O = {c.tensors['W_out'].shape[0]}, {c.tensors['W_rec'].dtype}, "
          f"noise {c.metadata['noise']}, sigma_train {c.metadata['sigma_train']}")
    return 0
