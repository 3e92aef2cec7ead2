#!/usr/bin/env python3
"""Convert a PyTorch state_dict (.pt) into a fixedpoints checkpoint (.ckpt).

The .ckpt format (DESIGN.md, "The checkpoint") is safetensors with tensors

    W_rec [N, N]   W_in [N, I]   b [N]   W_out [O, N]   b_out [O]

for the network

    noise-in : h <- (1-g) h + g f(W_rec h + W_in u + b + sigma xi)
    noise-out: h <- (1-g) h + g (f(W_rec h + W_in u + b) + sigma xi)
    readout  : z = W_out h + b_out,            g = dt / tau

and string metadata: format, activation, noise, sigma_train, dt, tau and
optionally task, seed, loss. None of the metadata can be read off a
state_dict, so activation, noise, sigma_train, dt and tau are required
arguments: say how the network was trained, nothing is guessed.

Key mapping
-----------
Default: a model with an ``nn.RNN`` called ``rnn`` and an ``nn.Linear``
readout called ``fc``::

    W_rec = rnn.weight_hh_l0                  [N, N]
    W_in  = rnn.weight_ih_l0                  [N, I]
    b     = rnn.bias_hh_l0 + rnn.bias_ih_l0   [N]    (nn.RNN has two biases
                                                      that only ever appear
                                                      summed)
    W_out = fc.weight                         [O, N]
    b_out = fc.bias                           [O]

Any other model (a custom CTRNN module, other attribute names): give each
target with ``--map TARGET=KEY``; several keys joined by ``+`` are summed
(``--map b=cell.b_rec+cell.b_in``), and ``zeros`` stands for a zero bias (a
layer built with ``bias=False``)::

    --map W_rec=ctrnn.W --map W_in=ctrnn.U --map b=ctrnn.bias \\
    --map W_out=readout.weight --map b_out=readout.bias

Unmapped targets keep the default keys. Other state_dict entries (optimizer
state, buffers) are ignored. Multi-layer or bidirectional ``nn.RNN`` weights
(``*_l1``, ``*_reverse``) are refused: they are not one recurrent layer.

Caveat: nn.RNN is a discrete RNN
--------------------------------
``nn.RNN`` computes h' = f(W_ih u + b_ih + W_hh h + b_hh): the old state is
replaced, not leaked. That is the CTRNN update above with g = dt/tau = 1,
so for an nn.RNN pass ``--dt`` equal to ``--tau`` (e.g. both 1). A different
ratio describes a different dynamical system from the one that was trained;
the script warns on stderr but writes it (you may have trained a leaky
variant under nn.RNN's names). nn.RNN has no noise: sigma_train and noise
describe the noise *you* injected during training (noise "in" = added to
the pre-activation, "out" = added after f).

Usage
-----
    python3 scripts/torch_to_ckpt.py model.pt out.ckpt \\
        --activation tanh --noise in --sigma-train 0.1 --dt 1 --tau 1 \\
        [--task NAME] [--seed S] [--loss L] [--dtype f32|f64] \\
        [--state-dict-key model_state_dict] [--map TARGET=KEY[+KEY...]]...

Check the result with ``fixedpoints checkpoint inspect out.ckpt``. torch is
imported only when reading a .pt file; the core, ``convert_state_dict``,
takes a dict of numpy arrays (so it is testable without torch) and
``write_checkpoint`` writes with ``safetensors.numpy``.
"""

import argparse
import sys

import numpy as np

FORMAT = "fixedpoints-ctrnn/1"
ACTIVATIONS = ("linear", "relu", "softplus", "tanh", "sigmoid", "hardtanh", "erf")
NOISE = ("in", "out")
TARGETS = ("W_rec", "W_in", "b", "W_out", "b_out")
ZEROS = "zeros"

RNN_MAPPING = {
    "W_rec": ["rnn.weight_hh_l0"],
    "W_in": ["rnn.weight_ih_l0"],
    "b": ["rnn.bias_hh_l0", "rnn.bias_ih_l0"],
    "W_out": ["fc.weight"],
    "b_out": ["fc.bias"],
}


class ConversionError(ValueError):
    """The state_dict or the arguments cannot make a valid checkpoint."""


def _number(name, value):
    """repr() of a float: the shortest string that reads back exactly."""
    x = float(value)
    if not np.isfinite(x):
        raise ConversionError(f"{name} must be finite, got {value!r}")
    return repr(x)


def convert_state_dict(arrays, *, activation, noise, sigma_train, dt, tau,
                       task=None, seed=None, loss=None, mapping=None, dtype=None):
    """Map a state_dict (name -> numpy array) to .ckpt tensors and metadata.

    mapping: target -> list of state_dict keys (summed), overriding
    RNN_MAPPING per target; the single key "zeros" means a zero vector (only
    for b and b_out). dtype: np.float32 / np.float64, default float64 if any
    mapped array is float64, else float32.

    Returns (tensors, metadata): dicts ready for safetensors.numpy.save_file.
    Raises ConversionError naming the problem.
    """
    full = {k: list(v) for k, v in RNN_MAPPING.items()}
    for target, keys in (mapping or {}).items():
        if target not in TARGETS:
            raise ConversionError(f"unknown target {target!r} (targets: {', '.join(TARGETS)})")
        full[target] = list(keys)
    if mapping is None or all(full[t] == RNN_MAPPING[t] for t in ("W_rec", "W_in")):
        extra_layers = sorted(k for k in arrays if k.startswith("rnn.") and ("_l1" in k or "_reverse" in k))
        if extra_layers:
            raise ConversionError(
                f"state_dict has a multi-layer or bidirectional nn.RNN ({extra_layers[0]}, ...); "
                "a checkpoint holds one recurrent layer")
    if activation not in ACTIVATIONS:
        raise ConversionError(f"activation {activation!r} is not one of {', '.join(ACTIVATIONS)}")
    if noise not in NOISE:
        raise ConversionError(f"noise {noise!r} is not one of in, out")

    def fetch(target):
        keys = full[target]
        if keys == [ZEROS]:
            return None
        missing = [k for k in keys if k not in arrays]
        if missing:
            hint = f"; use --map {target}=KEY" + (f" or --map {target}={ZEROS}" if target in ("b", "b_out") else "")
            near = sorted(arrays)[:12]
            raise ConversionError(
                f"{target}: state_dict has no key {missing[0]!r}{hint} (keys: {', '.join(near)}"
                + (", ..." if len(arrays) > 12 else "") + ")")
        values = [np.asarray(arrays[k]) for k in keys]
        shapes = {v.shape for v in values}
        if len(shapes) != 1:
            raise ConversionError(f"{target}: keys {' + '.join(keys)} have different shapes {sorted(shapes)}")
        total = values[0].astype(np.float64) if len(values) > 1 else values[0]
        for v in values[1:]:
            total = total + v.astype(np.float64)
        return total

    raw = {t: fetch(t) for t in TARGETS}
    if dtype is None:
        # From the state_dict's arrays, not from the sums (computed in float64).
        sources = [np.asarray(arrays[k]) for t in TARGETS for k in full[t] if k != ZEROS]
        dtype = np.float64 if any(a.dtype == np.float64 for a in sources) else np.float32
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ConversionError(f"dtype must be float32 or float64, got {dtype}")

    w_rec, w_in, w_out = raw["W_rec"], raw["W_in"], raw["W_out"]
    for name, a in (("W_rec", w_rec), ("W_in", w_in), ("W_out", w_out)):
        if a is None or a.ndim != 2:
            raise ConversionError(f"{name} must be a 2-D array, got shape {None if a is None else a.shape}")
    n = w_rec.shape[0]
    if w_rec.shape != (n, n):
        raise ConversionError(f"W_rec has shape {list(w_rec.shape)}; it must be square [N, N]")
    if w_in.shape[0] != n:
        raise ConversionError(f"W_in has shape {list(w_in.shape)} but W_rec is {n}x{n}")
    if w_out.shape[1] != n:
        raise ConversionError(f"W_out has shape {list(w_out.shape)} but W_rec is {n}x{n}")
    o = w_out.shape[0]
    b = np.zeros(n) if raw["b"] is None else raw["b"]
    b_out = np.zeros(o) if raw["b_out"] is None else raw["b_out"]
    if b.shape != (n,):
        raise ConversionError(f"b has shape {list(b.shape)} but W_rec is {n}x{n}")
    if b_out.shape != (o,):
        raise ConversionError(f"b_out has shape {list(b_out.shape)} but W_out is {o}x{n}")

    tensors = {}
    for name, a in (("W_rec", w_rec), ("W_in", w_in), ("b", b), ("W_out", w_out), ("b_out", b_out)):
        with np.errstate(over="ignore"):
            t = np.ascontiguousarray(a, dtype=dtype)
        if not np.all(np.isfinite(t)):
            raise ConversionError(f"{name} has a non-finite value (NaN, inf, or too large for {dtype})")
        tensors[name] = t

    if not float(sigma_train) >= 0:
        raise ConversionError(f"sigma_train must be >= 0, got {sigma_train}")
    if not (float(dt) > 0 and float(tau) > 0):
        raise ConversionError(f"dt and tau must be > 0, got dt = {dt}, tau = {tau}")
    if float(dt) > float(tau):
        raise ConversionError(f"dt = {dt} > tau = {tau}: the discrete map needs dt/tau <= 1")
    metadata = {
        "format": FORMAT,
        "activation": activation,
        "noise": noise,
        "sigma_train": _number("sigma_train", sigma_train),
        "dt": _number("dt", dt),
        "tau": _number("tau", tau),
    }
    if task:
        metadata["task"] = str(task)
    if seed is not None:
        metadata["seed"] = str(seed)
    if loss is not None:
        metadata["loss"] = repr(float(loss))
    return tensors, metadata


def write_checkpoint(path, tensors, metadata):
    """Write with safetensors.numpy, atomically (temporary file in the same
    directory, then rename), so a failure never leaves a partial .ckpt.
    `fixedpoints checkpoint convert` makes the bytes canonical if that
    matters (safetensors orders the metadata by hash)."""
    import os
    import tempfile
    from safetensors.numpy import save_file
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".tmp-", dir=directory)
    os.close(fd)
    try:
        save_file(tensors, temp, metadata=metadata)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def parse_mapping(items):
    mapping = {}
    for item in items or []:
        target, sep, keys = item.partition("=")
        if not sep or not keys:
            raise ConversionError(f"--map wants TARGET=KEY[+KEY...], got {item!r}")
        mapping[target.strip()] = [k.strip() for k in keys.split("+")]
    return mapping


def load_state_dict(path, key=None):
    """A .pt file as a dict of numpy arrays (torch imported only here)."""
    import torch
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # torch < 1.13 has no weights_only
        obj = torch.load(path, map_location="cpu")
    if key is not None:
        if not isinstance(obj, dict) or key not in obj:
            raise ConversionError(f"{path} has no entry {key!r}")
        obj = obj[key]
    if hasattr(obj, "state_dict") and not isinstance(obj, dict):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise ConversionError(f"{path} does not hold a state_dict (got {type(obj).__name__})")
    arrays = {}
    for k, v in obj.items():
        if isinstance(v, torch.Tensor):
            v = v.detach().cpu()
            if v.dtype in (torch.float16, torch.bfloat16):
                v = v.float()
            arrays[k] = v.numpy()
    if not arrays:
        nested = sorted(k for k, v in obj.items() if isinstance(v, dict))
        hint = f"; pick one with --state-dict-key {nested[0]}" if nested else ""
        raise ConversionError(
            f"{path} holds no tensors at the top level (entries: {', '.join(map(str, sorted(obj, key=str)))}){hint}")
    return arrays


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Convert a PyTorch state_dict (.pt) into a fixedpoints .ckpt (safetensors).",
        epilog="See the module docstring for the key mapping and the nn.RNN caveat (dt = tau).")
    p.add_argument("input", help="the .pt file (a state_dict, or a dict holding one)")
    p.add_argument("output", help="the .ckpt file to write")
    p.add_argument("--activation", required=True, choices=ACTIVATIONS)
    p.add_argument("--noise", required=True, choices=NOISE)
    p.add_argument("--sigma-train", required=True, type=float)
    p.add_argument("--dt", required=True, type=float)
    p.add_argument("--tau", required=True, type=float)
    p.add_argument("--task")
    p.add_argument("--seed")
    p.add_argument("--loss", type=float)
    p.add_argument("--dtype", choices=("f32", "f64"), help="default: float64 if any weight is float64")
    p.add_argument("--state-dict-key", help="take the state_dict from this entry of the loaded dict")
    p.add_argument("--map", action="append", metavar="TARGET=KEY[+KEY...]",
                   help="state_dict key(s) of W_rec, W_in, b, W_out or b_out (repeatable)")
    args = p.parse_args(argv)
    try:
        mapping = parse_mapping(args.map)
        default_rnn = all(t not in mapping for t in ("W_rec", "W_in"))
        if default_rnn and args.dt != args.tau:
            print(f"torch_to_ckpt: warning: nn.RNN is a discrete RNN (dt = tau); writing dt = {args.dt}, "
                  f"tau = {args.tau} describes different dynamics", file=sys.stderr)
        arrays = load_state_dict(args.input, args.state_dict_key)
        tensors, metadata = convert_state_dict(
            arrays, activation=args.activation, noise=args.noise, sigma_train=args.sigma_train,
            dt=args.dt, tau=args.tau, task=args.task, seed=args.seed, loss=args.loss,
            mapping=mapping or None,
            dtype={"f32": np.float32, "f64": np.float64}.get(args.dtype))
        write_checkpoint(args.output, tensors, metadata)
    except ConversionError as e:
        print(f"torch_to_ckpt: error: {e}", file=sys.stderr)
        return 2
    n, i = tensors["W_in"].shape
    print(f"wrote {args.output}: N = {n}, I = {i}, O = {tensors['W_out'].shape[0]}, "
          f"{tensors['W_rec'].dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
