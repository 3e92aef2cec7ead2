"""Recognising where a source's weights live, without --map.

A *layout* says which source tensors make W_rec, W_in, b, W_out and b_out
(several keys are summed; Flax `kernel`s are [in, out] and are transposed),
and how the source computes one step, so the conversion can be checked by
running both (check.py).

Keys are matched on their path components, split at "." (PyTorch) and "/"
(flattened JAX trees; a leading "params" component, Flax's collection, is
dropped), so any prefix works: `rnn.h2h.weight`, `model/cell/h2h/kernel`.
"""

import re
from dataclasses import dataclass, field

TARGETS = ("W_rec", "W_in", "b", "W_out", "b_out")
READOUT_NAMES = ("fc", "readout", "output", "out", "linear", "decoder", "head", "w_out")


@dataclass
class Layout:
    name: str                 # short id, e.g. "neurogym-ctrnn"
    description: str          # one line for the report
    mapping: dict             # target -> list of source keys (summed)
    transposed: set = field(default_factory=set)   # keys stored [in, out]
    discrete: bool = False    # the source replaces h each step (gamma must be 1)
    forward: str = "h"        # "h": h is the state; "x": the state is the pre-activation (PsychRNN)
    masks: dict = field(default_factory=dict)      # PsychRNN connectivity / Dale matrices
    missing: list = field(default_factory=list)    # required keys the source lacks
    notes: list = field(default_factory=list)


def split(key):
    parts = [p for p in re.split(r"[./]", str(key)) if p]
    if parts and parts[0] == "params":
        parts = parts[1:]
    return tuple(parts)


def join(parts):
    return ".".join(parts)


class Keys:
    """The source's keys indexed by their split path."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.by_path = {}
        for k in arrays:
            self.by_path.setdefault(split(k), k)

    def find(self, path):
        return self.by_path.get(tuple(path))

    def ending(self, suffix):
        """Original keys whose path ends with `suffix` (a tuple)."""
        n = len(suffix)
        return sorted(k for p, k in self.by_path.items() if p[-n:] == tuple(suffix))

    def linears(self):
        """{module path: (weight key, bias key or None, transposed?)} for every
        2-D `weight` (PyTorch/Equinox [out, in]) or `kernel` (Flax [in, out])."""
        out = {}
        for p, k in self.by_path.items():
            if p and p[-1] in ("weight", "kernel") and getattr(self.arrays[k], "ndim", 0) == 2:
                bias = self.by_path.get(p[:-1] + ("bias",))
                out[p[:-1]] = (k, bias, p[-1] == "kernel")
        return out


def _shape(arrays, key, transposed):
    s = tuple(arrays[key].shape)
    return s[::-1] if key in transposed else s


def _readout(keys, linears, used, n, transposed):
    """The readout Linear: a 2-D weight with N inputs not used by the
    recurrent part; a conventional name decides between several."""
    cands = []
    for path, (w, bias, t) in linears.items():
        if w in used:
            continue
        shape = tuple(keys.arrays[w].shape)
        if (shape[::-1] if t else shape)[1] == n:
            cands.append((path, w, bias, t))
    if len(cands) > 1:
        named = [c for c in cands if c[0] and c[0][-1].lower() in READOUT_NAMES]
        if len(named) == 1:
            cands = named
    if len(cands) != 1:
        return None, [join(c[0]) for c in cands]
    path, w, bias, t = cands[0]
    if t:
        transposed.add(w)
        if bias:
            transposed.discard(bias)
    return (w, bias), []


def recognise(arrays):
    """The Layout of a state_dict / flattened tree, or None.

    Tried in order: fixedpoints's own names, PsychRNN's exported weights,
    torch nn.RNN, the NeuroGym tutorial CTRNN (input2h/h2h), Flax's
    SimpleCell (i/h). The first whose anchor keys are present is returned,
    with `missing` listing every required key it lacks (all at once)."""
    keys = Keys(arrays)

    # fixedpoints (also an Equinox module with fields named like ours).
    for w_rec in keys.ending(("W_rec",)):
        prefix = split(w_rec)[:-1]
        if keys.find(prefix + ("b_rec",)):
            continue  # PsychRNN
        names = {t: join(prefix + (t,)) for t in TARGETS}
        lay = Layout("fixedpoints", "fixedpoints names (W_rec, W_in, b, W_out, b_out)",
                     {t: [keys.find(prefix + (t,)) or names[t]] for t in TARGETS})
        lay.missing = [names[t] for t in TARGETS if not keys.find(prefix + (t,))]
        return lay

    # PsychRNN Basic: model.get_weights() / model.save(path) (np.savez).
    for b_rec in keys.ending(("b_rec",)):
        prefix = split(b_rec)[:-1]
        want = {"W_rec": "W_rec", "W_in": "W_in", "b": "b_rec", "W_out": "W_out", "b_out": "b_out"}
        lay = Layout("psychrnn", "PsychRNN Basic exported weights (state x is the pre-activation, h = f(x))",
                     {t: [keys.find(prefix + (s,)) or join(prefix + (s,))] for t, s in want.items()},
                     forward="x")
        lay.missing = [join(prefix + (s,)) for s in want.values() if not keys.find(prefix + (s,))]
        for m in ("rec_connectivity", "input_connectivity", "output_connectivity", "Dale_rec", "Dale_out"):
            k = keys.find(prefix + (m,))
            if k:
                lay.masks[m] = k
        return lay

    # torch nn.RNN (one layer, one direction).
    hh = keys.ending(("weight_hh_l0",))
    if hh:
        prefix = split(hh[0])[:-1]
        extra = sorted(k for k in arrays if split(k)[:-1] == prefix
                       and re.search(r"_l[1-9]\d*$|_reverse$", split(k)[-1]))
        if extra:
            raise LayoutError(f"state_dict has a multi-layer or bidirectional nn.RNN ({extra[0]}, ...); "
                              "a checkpoint holds one recurrent layer")
        name = lambda s: keys.find(prefix + (s,)) or join(prefix + (s,))
        biases = [s for s in ("bias_hh_l0", "bias_ih_l0") if keys.find(prefix + (s,))]
        lay = Layout("torch-nn-rnn", "torch nn.RNN (discrete: h' = f(W_ih u + b_ih + W_hh h + b_hh))",
                     {"W_rec": [name("weight_hh_l0")], "W_in": [name("weight_ih_l0")],
                      "b": [name(s) for s in ("bias_hh_l0", "bias_ih_l0")] if biases else [ZEROS]},
                     discrete=True)
        if not keys.find(prefix + ("weight_ih_l0",)):
            lay.missing.append(name("weight_ih_l0"))
        if len(biases) == 1:  # nn.RNN has both biases or neither
            lay.missing.append(name("bias_ih_l0" if biases == ["bias_hh_l0"] else "bias_hh_l0"))
        if not biases:
            lay.notes.append("nn.RNN built with bias=False: b = 0")
        _add_readout(keys, lay, arrays[hh[0]].shape[0])
        return lay

    # Two Linear layers: NeuroGym tutorial (input2h, h2h), Flax SimpleCell (i, h).
    linears = keys.linears()
    for rec_name, in_name, lname, desc in (
            ("h2h", "input2h", "neurogym-ctrnn",
             "NeuroGym/Yang-lab tutorial CTRNN (input2h + h2h Linear layers, biases summed)"),
            ("h", "i", "flax-simplecell", "Flax SimpleCell (Dense i + Dense h; discrete: h' = f(...))")):
        recs = [p for p in linears if p and p[-1] == rec_name]
        for rp in recs:
            ip = rp[:-1] + (in_name,)
            if ip not in linears and lname == "flax-simplecell":
                continue
            rw, rb, rt = linears[rp]
            lay = Layout(lname, desc, {}, discrete=(lname == "flax-simplecell"))
            if rt:
                lay.transposed.add(rw)
            lay.mapping["W_rec"] = [rw]
            biases = [rb] if rb else []
            if ip in linears:
                iw, ib, it = linears[ip]
                if it:
                    lay.transposed.add(iw)
                lay.mapping["W_in"] = [iw]
                biases = ([ib] if ib else []) + biases
            else:
                lay.mapping["W_in"] = [join(ip + ("weight",))]
                lay.missing.append(join(ip + ("weight",)))
            lay.mapping["b"] = biases or [ZEROS]
            if not biases:
                lay.notes.append("neither layer has a bias: b = 0")
            n = _shape(arrays, rw, lay.transposed)[0]
            _add_readout(keys, lay, n)
            return lay
    return None


ZEROS = "zeros"


class LayoutError(ValueError):
    pass


def _add_readout(keys, lay, n):
    used = {k for ks in lay.mapping.values() for k in ks}
    found, ambiguous = _readout(keys, keys.linears(), used, n, lay.transposed)
    if found is None:
        if ambiguous:
            lay.missing.append(f"one readout Linear with {n} inputs (candidates: {', '.join(ambiguous)}; "
                               "choose with --map W_out=KEY --map b_out=KEY)")
        else:
            lay.missing.append(f"a readout Linear with {n} inputs (e.g. fc.weight [O, {n}])")
        lay.mapping.setdefault("W_out", [])
        lay.mapping.setdefault("b_out", [])
        return
    w, bias = found
    lay.mapping["W_out"] = [w]
    lay.mapping["b_out"] = [bias] if bias else [ZEROS]
    if not bias:
        lay.notes.append("the readout has no bias: b_out = 0")


def looks_like_bias(key, arr):
    """A 1-D tensor whose name says bias: it must be mapped or ignored."""
    last = split(key)[-1] if split(key) else str(key)
    return getattr(arr, "ndim", 0) == 1 and (
        "bias" in last.lower() or last in ("b", "b_rec", "b_in", "b_out", "b_h", "b_i"))
