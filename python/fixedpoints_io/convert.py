"""A source's tensors (state_dict, flattened JAX tree, PsychRNN weights)
into the checkpoint's five tensors and metadata.

The checkpoint (DESIGN.md, "The checkpoint") is safetensors with

    W_rec [N, N]   W_in [N, I]   b [N]   W_out [O, N]   b_out [O]

for  noise-in : h <- (1-g) h + g f(W_rec h + W_in u + b + sigma xi)
     noise-out: h <- (1-g) h + g (f(W_rec h + W_in u + b) + sigma xi)
     readout  : z = W_out h + b_out,            g = dt / tau

and string metadata. Nothing about training (activation, noise, sigma, dt,
tau) can be read off the weights, so it is given, never guessed.
"""

import numpy as np

from . import layouts as L
from . import noise as N

FORMAT = "fixedpoints-ctrnn/1"
ACTIVATIONS = ("linear", "relu", "softplus", "tanh", "sigmoid", "hardtanh", "erf", "hardsigmoid")
NOISE = ("in", "out")
TARGETS = L.TARGETS
ZEROS = L.ZEROS
# The tasks `fixedpoints` knows (Sources/Training/TrainingTask.swift,
# TaskCatalogue.names); analyze reports an output error for function and
# regulator and uses zero input for flipflop.
KNOWN_TASKS = ("function", "regulator", "path-integration", "decision", "flipflop")


class ConversionError(ValueError):
    """The source or the arguments cannot make a valid checkpoint."""


class Conversion:
    """What `convert` made: tensors and metadata for the file, the layout
    recognised (or None), the mapping used, and notes for the user."""

    def __init__(self, tensors, metadata, layout, mapping, transposed, notes):
        self.tensors, self.metadata, self.layout = tensors, metadata, layout
        self.mapping, self.transposed, self.notes = mapping, transposed, notes

    def describe(self):
        lines = [f"layout: {self.layout.name} — {self.layout.description}" if self.layout
                 else "layout: none recognised; mapping from --map"]
        for t in TARGETS:
            keys = self.mapping[t]
            shown = " + ".join(k + ("ᵀ" if k in self.transposed else "") for k in keys)
            lines.append(f"  {t:<5} = {shown}  {list(self.tensors[t].shape)}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _number(name, value):
    """repr() of a float: the shortest string that reads back exactly."""
    x = float(value)
    if not np.isfinite(x):
        raise ConversionError(f"{name} must be finite, got {value!r}")
    return repr(x)


def convert(arrays, *, activation, sigma_train, dt=None, tau=None, noise=None, noise_scaling=None,
            task=None, seed=None, loss=None, mapping=None, dtype=None, ignore=()):
    """Map a source (name -> numpy array) to checkpoint tensors and metadata.

    noise / noise_scaling: the source's noise convention (noise.SCALINGS);
    `noise` "in"/"out" is the checkpoint's own placement. sigma_train is
    the source's σ; the checkpoint gets the translated one.
    mapping: target -> list of keys (summed) overriding the recognised layout
    per target; ["zeros"] for an absent bias. ignore: source keys that are
    not part of the network (an unmapped bias must be listed here).
    Raises ConversionError naming every problem it can see at once.
    """
    if activation not in ACTIVATIONS:
        raise ConversionError(f"activation {activation!r} is not one of {', '.join(ACTIVATIONS)}")
    if noise is not None and noise not in NOISE:
        raise ConversionError(f"noise {noise!r} is not one of in, out")
    scaling = noise_scaling or noise
    if scaling is None:
        raise ConversionError("give the noise convention: --noise in|out or --noise-scaling NAME "
                              f"({', '.join(N.SCALINGS)})")
    if noise_scaling is not None and noise is not None and N.SCALINGS.get(noise_scaling, (noise,))[0] != noise:
        raise ConversionError(f"--noise {noise} contradicts --noise-scaling {noise_scaling} "
                              f"(which is noise {N.SCALINGS[noise_scaling][0]}); give one of them")
    if task is not None and task != "" and task not in KNOWN_TASKS:
        raise ConversionError(f"unknown task {task!r}; known tasks: {', '.join(KNOWN_TASKS)} "
                              "(leave --task out for any other task)")
    mapping = {t: list(v) for t, v in (mapping or {}).items()}
    for t in mapping:
        if t not in TARGETS:
            raise ConversionError(f"unknown target {t!r} (targets: {', '.join(TARGETS)})")
    for k in ignore:
        if k not in arrays:
            raise ConversionError(f"--ignore {k!r}: the source has no such key")

    try:
        layout = L.recognise(arrays)
    except L.LayoutError as e:
        raise ConversionError(str(e)) from None
    user_mapped = set(mapping)
    full, transposed, notes = {}, set(), []
    if layout is not None:
        full.update(layout.mapping)
        transposed |= layout.transposed
        notes += layout.notes
    full.update(mapping)
    # A Flax `kernel` given with --map is [in, out], like the recognised ones.
    transposed |= {k for t in user_mapped for k in full[t]
                   if k in arrays and L.split(k)[-1:] == ("kernel",) and np.ndim(arrays[k]) == 2}
    transposed = {k for k in transposed if any(k in full[t] for t in TARGETS if t in full)}

    # Every missing piece in one message.
    missing = []
    if layout is not None:
        for m in layout.missing:
            if m.startswith(("one readout", "a readout")) and {"W_out", "b_out"} <= user_mapped:
                continue
            if any(m in layout.mapping.get(t, []) for t in user_mapped):
                continue  # the user mapped that target elsewhere
            missing.append(m)
    for t in TARGETS:
        if t not in full or not full[t]:
            if layout is None or t in user_mapped:
                missing.append(f"{t} (--map {t}=KEY)")
            continue
        for k in full[t]:
            if k != ZEROS and k not in arrays and k not in missing:
                missing.append(k if layout is not None and t not in user_mapped else f"{k} (for {t})")
    if missing:
        where = f"recognised layout {layout.name}" if layout else "no known layout recognised"
        keys = sorted(arrays)
        shown = ", ".join(f"{k} {list(np.shape(arrays[k]))}" for k in keys[:16]) + (", ..." if len(keys) > 16 else "")
        hint = ("" if layout else
                "; map them with --map W_rec=KEY --map W_in=KEY --map b=KEY[+KEY] --map W_out=KEY --map b_out=KEY")
        raise ConversionError(f"{where}; the source lacks: {'; '.join(missing)}{hint} (keys: {shown})")
    if layout is not None and layout.discrete and user_mapped.isdisjoint({"W_rec", "W_in"}):
        dt = 1.0 if dt is None else dt
        tau = 1.0 if tau is None else tau
        if float(dt) != float(tau):
            raise ConversionError(
                f"{layout.name} is a discrete RNN (h is replaced each step, dt/tau = 1); dt = {dt}, tau = {tau} "
                "describes other dynamics. For a leaky variant under these names give every target with --map")
    if dt is None or tau is None:
        raise ConversionError("give --dt and --tau (the source's alpha = dt/tau; dt = tau = 1 for a discrete RNN)")

    # A bias in the source that the mapping leaves out is an error, never zero.
    used = {k for t in TARGETS for k in full[t]}
    stray = [k for k in sorted(arrays) if k not in used and k not in ignore
             and L.looks_like_bias(k, np.asarray(arrays[k]))]
    if stray:
        b_keys = [k for k in stray if np.shape(arrays[k])[0] == np.shape(arrays[full["W_rec"][0]])[0]] \
            if full["W_rec"][0] in arrays else []
        suggestion = ""
        if b_keys:
            current = [k for k in full["b"] if k != ZEROS]
            suggestion = f" (e.g. --map b={'+'.join(current + b_keys)})"
        raise ConversionError(
            f"the source has bias(es) {', '.join(stray)} that the mapping leaves out; a dropped bias "
            f"changes the network: map it{suggestion}, or --ignore KEY if it is not part of this network")

    def fetch(target):
        keys = full[target]
        if keys == [ZEROS]:
            return None
        values = []
        for k in keys:
            a = np.asarray(arrays[k])
            values.append(a.T if k in transposed else a)
        shapes = {v.shape for v in values}
        if len(shapes) != 1:
            raise ConversionError(f"{target}: keys {' + '.join(keys)} have different shapes {sorted(shapes)}")
        if len(values) == 1:
            return values[0]
        total = values[0].astype(np.float64)
        for v in values[1:]:
            total = total + v.astype(np.float64)
        return total

    raw = {t: fetch(t) for t in TARGETS}
    if dtype is None:
        # From the source arrays, not from the sums (computed in float64).
        sources = [np.asarray(arrays[k]) for t in TARGETS for k in full[t] if k != ZEROS]
        dtype = np.float64 if any(a.dtype == np.float64 for a in sources) else np.float32
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ConversionError(f"dtype must be float32 or float64, got {dtype}")

    if layout is not None and layout.name == "psychrnn" and user_mapped.isdisjoint({"W_rec", "W_in", "W_out"}):
        raw["W_rec"], raw["W_in"], raw["W_out"], pnotes = _psychrnn_effective(arrays, layout, raw)
        notes += pnotes

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
    if layout is not None and layout.forward == "x" and scaling != "x-sqrt-2-alpha" and user_mapped.isdisjoint({"W_rec"}):
        raise ConversionError(
            f"{layout.name}'s state is the pre-activation x (noise added to x); give --noise-scaling x-sqrt-2-alpha")
    if scaling == "x-sqrt-2-alpha" and (layout is None or layout.forward != "x"):
        raise ConversionError("noise scaling x-sqrt-2-alpha is for a network whose state is the pre-activation x "
                              "(PsychRNN Basic); this source's state is h = f(x): use in, in-sqrt-2-over-alpha, out, ...")
    try:
        placement, sigma_ckpt = N.translate(scaling, sigma_train, float(dt) / float(tau))
    except N.NoiseConventionError as e:
        raise ConversionError(str(e)) from None
    metadata = {
        "format": FORMAT,
        "activation": activation,
        "noise": placement,
        "sigma_train": _number("sigma_train", sigma_ckpt),
        "dt": _number("dt", dt),
        "tau": _number("tau", tau),
        # The source's convention and σ, as given: the checkpoint's own
        # sigma_train is already translated (noise.py), so readers need not
        # know these keys; they say where the number came from.
        "noise_scaling": scaling,
        "sigma_source": _number("sigma_train", sigma_train),
    }
    if layout is not None:
        metadata["source_layout"] = layout.name
    if task:
        metadata["task"] = str(task)
    if seed is not None:
        metadata["seed"] = str(seed)
    if loss is not None:
        metadata["loss"] = repr(float(loss))
    if scaling not in ("in", "out"):
        notes.append(f"noise {scaling} with sigma {float(sigma_train)!r} -> checkpoint noise {placement}, "
                     f"sigma_train {sigma_ckpt!r}")
    return Conversion(tensors, metadata, layout, {t: full[t] for t in TARGETS}, transposed, notes)


def _psychrnn_effective(arrays, layout, raw):
    """PsychRNN Basic's effective weights (psychrnn/backend/rnn.py,
    get_effective_W_*): W * connectivity, and with Dale's law
    |W_rec| @ Dale_rec, |W_in|, |W_out| @ Dale_out. Dale is taken as on
    when Dale_rec has a negative entry (an inhibitory unit); an all-
    excitatory Dale network is indistinguishable from no Dale here."""
    notes = []
    m = {k: np.asarray(arrays[v], dtype=np.float64) for k, v in layout.masks.items()}
    w_rec = raw["W_rec"].astype(np.float64)
    w_in = raw["W_in"].astype(np.float64)
    w_out = raw["W_out"].astype(np.float64)
    if "rec_connectivity" in m:
        w_rec = w_rec * m["rec_connectivity"]
    if "input_connectivity" in m:
        w_in = w_in * m["input_connectivity"]
    if "output_connectivity" in m:
        w_out = w_out * m["output_connectivity"]
    if "Dale_rec" in m and np.any(m["Dale_rec"] < 0):
        w_rec = np.abs(w_rec) @ m["Dale_rec"]
        w_in = np.abs(w_in)
        w_out = np.abs(w_out) @ m["Dale_out"] if "Dale_out" in m else np.abs(w_out)
        notes.append("Dale's law applied: |W_rec| @ Dale_rec, |W_in|, |W_out| @ Dale_out")
    if any(k in m for k in ("rec_connectivity", "input_connectivity", "output_connectivity")):
        notes.append("connectivity masks applied")
    return w_rec, w_in, w_out, notes


def convert_state_dict(arrays, **kwargs):
    """(tensors, metadata), as `convert` makes them."""
    c = convert(arrays, **kwargs)
    return c.tensors, c.metadata
