"""Reading sources, writing and reading checkpoints, and the API a training
script calls: save_ctrnn, from_torch, load."""

import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

from .convert import FORMAT, ConversionError, convert

PICKLED_MODULE = ("{path} holds a pickled module (torch.save(model)), which cannot be read safely; "
                  "save its weights instead: torch.save(model.state_dict(), '{path}')")


def write_checkpoint(path, tensors, metadata):
    """Write with safetensors.numpy, atomically (temporary file in the same
    directory, then rename), so a failure never leaves a partial .ckpt.
    `fixedpoints checkpoint convert` makes the bytes canonical if that
    matters (safetensors orders the metadata by hash)."""
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


def load_source(path, key=None):
    """A source file as a dict of numpy arrays: a PyTorch .pt state_dict
    (torch imported only here), a .npz (np.savez of a state_dict, a
    flattened JAX tree or PsychRNN's model.save) or a .safetensors file."""
    if not os.path.isfile(path):
        raise ConversionError(f"{path}: no such file")
    lower = path.lower()
    if lower.endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except ValueError as e:
            raise ConversionError(f"{path}: {e} (save plain arrays: np.savez(path, **params))") from None
        return _pick(arrays, path, key)
    if lower.endswith((".safetensors", ".ckpt")):
        from safetensors.numpy import load_file
        try:
            return _pick(load_file(path), path, key)
        except Exception as e:  # safetensors raises its own error types
            raise ConversionError(f"{path}: not a readable safetensors file ({e})") from None
    return _load_torch(path, key)


def _pick(arrays, path, key):
    if key is None:
        return arrays
    prefix = key.rstrip("./") + "."
    sub = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
    if not sub:
        raise ConversionError(f"{path} has no entries under {key!r}")
    return sub


def _load_torch(path, key):
    try:
        import torch
    except ImportError:
        raise ConversionError(
            f"reading {path} (a PyTorch file) needs torch, which is not installed; either install it, or save "
            "the state_dict as safetensors in your training environment: "
            "safetensors.torch.save_file(model.state_dict(), 'model.safetensors')") from None
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # torch < 1.13 has no weights_only
        obj = torch.load(path, map_location="cpu")
    except Exception as e:
        text = str(e)
        if "weights_only" in text or "Unsupported global" in text or "GLOBAL" in text:
            raise ConversionError(PICKLED_MODULE.format(path=path)) from None
        raise ConversionError(f"{path}: torch cannot read it ({text.splitlines()[0] if text else type(e).__name__})") from None
    if key is not None:
        if not isinstance(obj, dict) or key not in obj:
            raise ConversionError(f"{path} has no entry {key!r}")
        obj = obj[key]
    if isinstance(obj, torch.nn.Module):
        raise ConversionError(PICKLED_MODULE.format(path=path))
    if not isinstance(obj, dict):
        raise ConversionError(f"{path} does not hold a state_dict (got {type(obj).__name__})")
    arrays = tensors_to_numpy(obj)
    if not arrays:
        nested = sorted(k for k, v in obj.items() if isinstance(v, dict))
        hint = f"; pick one with --state-dict-key {nested[0]}" if nested else ""
        raise ConversionError(
            f"{path} holds no tensors at the top level (entries: {', '.join(map(str, sorted(obj, key=str)))}){hint}")
    return arrays


def tensors_to_numpy(state_dict):
    import torch
    arrays = {}
    for k, v in state_dict.items():
        if isinstance(v, torch.Tensor):
            v = v.detach().cpu()
            if v.dtype in (torch.float16, torch.bfloat16):
                v = v.float()
            arrays[k] = v.numpy()
    return arrays


def save_ctrnn(path, W_rec, W_in, b, W_out, b_out, *, activation, noise="in", sigma_train=0.0,
               dt, tau, task=None, seed=None, loss=None, dtype=None):
    """Write a checkpoint from five arrays (NumPy, or anything np.asarray
    takes: torch tensors on the CPU, JAX arrays).

    noise: the convention the network was trained with — "in" (σξ inside f),
    "out" (γσξ outside f), or any name in fixedpoints_io.noise.SCALINGS;
    sigma_train is that convention's σ and is translated for the file.
    Returns the metadata written."""
    arrays = {name: _numpy(a) for name, a in
              (("W_rec", W_rec), ("W_in", W_in), ("b", b), ("W_out", W_out), ("b_out", b_out))}
    c = convert(arrays, activation=activation, noise_scaling=noise, sigma_train=sigma_train, dt=dt, tau=tau,
                task=task, seed=seed, loss=loss, dtype=dtype)
    write_checkpoint(path, c.tensors, c.metadata)
    return c.metadata


def _numpy(a):
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def from_torch(module, path=None, *, activation=None, noise="in", sigma_train=0.0, dt=None, tau=None,
               task=None, seed=None, loss=None, mapping=None, dtype=None, check=True):
    """Convert a live torch module (nn.RNN + Linear, the NeuroGym CTRNN,
    anything with a recognised layout or an explicit mapping).

    activation: read from nn.RNN's `nonlinearity` when not given. dt/tau:
    1/1 for nn.RNN; for a module with an `alpha` attribute (NeuroGym),
    dt = alpha, tau = 1 when not given. With check=True the converted model
    is run next to the layout's NumPy forward (check.py) and refused if they
    differ. Writes `path` when given; returns the Conversion."""
    import torch
    from . import check as C
    arrays = tensors_to_numpy(module.state_dict())
    if activation is None:
        rnns = [m for m in module.modules() if isinstance(m, torch.nn.RNN)]
        if rnns:
            activation = rnns[0].nonlinearity
        else:
            raise ConversionError("give activation=...: it cannot be read off this module")
    if dt is None and tau is None:
        alphas = [getattr(m, "alpha") for m in module.modules()
                  if isinstance(getattr(m, "alpha", None), (int, float))]
        if alphas:
            dt, tau = float(alphas[0]), 1.0
    c = convert(arrays, activation=activation, noise_scaling=noise, sigma_train=sigma_train, dt=dt, tau=tau,
                task=task, seed=seed, loss=loss, mapping=mapping, dtype=dtype)
    if check and c.layout is not None and not mapping:
        c.notes += C.check(c, arrays, scaling=noise, sigma=sigma_train)
    if path is not None:
        write_checkpoint(path, c.tensors, c.metadata)
    return c


@dataclass
class Checkpoint:
    """A checkpoint as read by `load`: the five arrays and the metadata."""
    W_rec: np.ndarray
    W_in: np.ndarray
    b: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray
    activation: str
    noise: str
    sigma_train: float
    dt: float
    tau: float
    task: str = None
    seed: str = None
    loss: float = None
    metadata: dict = field(default_factory=dict)

    @property
    def gamma(self):
        return self.dt / self.tau


def load(path):
    """Read a .ckpt (written by `fixedpoints train`, `checkpoint convert`,
    or save_ctrnn), with the checks the Swift reader makes on shapes and
    metadata."""
    from safetensors import safe_open
    with safe_open(path, framework="numpy") as f:
        metadata = dict(f.metadata() or {})
        arrays = {k: f.get_tensor(k) for k in f.keys()}
    missing = [t for t in ("W_rec", "W_in", "b", "W_out", "b_out") if t not in arrays]
    if missing:
        raise ConversionError(f"{path} has no tensor(s) {', '.join(missing)}")
    if metadata.get("format", FORMAT) != FORMAT:
        raise ConversionError(f"{path}: format {metadata['format']!r}; this reads {FORMAT!r}")
    for key in ("activation", "noise", "sigma_train", "dt", "tau"):
        if key not in metadata:
            raise ConversionError(f"{path}: metadata has no {key!r}")
    if metadata["noise"] not in ("in", "out"):
        raise ConversionError(f"{path}: noise {metadata['noise']!r} is not in or out")
    n = arrays["W_rec"].shape[0]
    shapes_ok = (arrays["W_rec"].shape == (n, n) and arrays["W_in"].ndim == 2 and arrays["W_in"].shape[0] == n
                 and arrays["b"].shape == (n,) and arrays["W_out"].ndim == 2 and arrays["W_out"].shape[1] == n
                 and arrays["b_out"].shape == (arrays["W_out"].shape[0],))
    if not shapes_ok:
        raise ConversionError(f"{path}: tensor shapes disagree "
                              f"({', '.join(f'{k} {list(v.shape)}' for k, v in sorted(arrays.items()))})")
    return Checkpoint(arrays["W_rec"], arrays["W_in"], arrays["b"], arrays["W_out"], arrays["b_out"],
                      metadata["activation"], metadata["noise"], float(metadata["sigma_train"]),
                      float(metadata["dt"]), float(metadata["tau"]), metadata.get("task") or None,
                      metadata.get("seed"), float(metadata["loss"]) if "loss" in metadata else None, metadata)


__all__ = ["save_ctrnn", "from_torch", "load", "load_source", "write_checkpoint", "Checkpoint"]
