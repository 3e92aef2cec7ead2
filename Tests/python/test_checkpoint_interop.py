"""The .ckpt format against Python's `safetensors` package, both directions.

Driven through the release binary: `$FIXEDPOINTS_BIN checkpoint inspect
--json` and `checkpoint convert` (see the Makefile target test-python).

* numpy -> safetensors.numpy.save_file (F32 and F64, metadata in arbitrary
  order) -> fixedpoints reads the right sizes, metadata and weights;
* fixedpoints convert -> safetensors.numpy.load_file / safe_open read back
  equal tensors and metadata, the header is padded to a multiple of 8, and
  equal content gives equal bytes;
* a Python-written file fixedpoints must refuse is refused with one line;
* scripts/torch_to_ckpt.py's core (numpy arrays -> .ckpt), and, only when
  torch is importable, a real nn.RNN state_dict through the script.
"""

import importlib.util
import json
import os
import random
import struct
import subprocess
import sys

import numpy as np
import pytest

BIN = os.environ.get("FIXEDPOINTS_BIN")
if not BIN:
    pytest.skip("FIXEDPOINTS_BIN is not set (path to the built fixedpoints binary; "
                "`make test-python` sets it)", allow_module_level=True)

safetensors_numpy = pytest.importorskip(
    "safetensors.numpy", reason="the safetensors package is missing (scripts/setup.sh installs it)")
from safetensors import safe_open  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "scripts", "torch_to_ckpt.py")
_spec = importlib.util.spec_from_file_location("torch_to_ckpt", SCRIPT)
torch_to_ckpt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(torch_to_ckpt)

TENSORS = ("W_rec", "W_in", "b", "W_out", "b_out")


def network(n=5, i=2, o=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return {
        "W_rec": (rng.standard_normal((n, n)) / np.sqrt(n)).astype(dtype),
        "W_in": rng.standard_normal((n, i)).astype(dtype),
        "b": (0.1 * rng.standard_normal(n)).astype(dtype),
        "W_out": rng.standard_normal((o, n)).astype(dtype),
        "b_out": rng.standard_normal(o).astype(dtype),
    }


METADATA = {
    "format": "fixedpoints-ctrnn/1", "activation": "softplus", "noise": "out",
    "sigma_train": "0.30000000000000004", "dt": "0.05", "tau": "0.5",
    "task": "memory", "seed": "1234", "loss": "1.5e-07",
    "optimizer": "adam", "comment": 'quotes " and \\ and ünïcödé',
}


def shuffled(d, seed):
    items = list(d.items())
    random.Random(seed).shuffle(items)
    return dict(items)


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120)


def inspect(path):
    r = run("checkpoint", "inspect", str(path), "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return json.loads(r.stdout)


def header(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    return n, data[8:8 + n], data


@pytest.mark.parametrize("dtype,name", [(np.float32, "F32"), (np.float64, "F64")])
def test_fixedpoints_reads_what_python_writes(tmp_path, dtype, name):
    arrays = network(dtype=dtype)
    path = tmp_path / "py.ckpt"
    # Insertion order of neither dict matters; safetensors' own writer
    # orders __metadata__ by hash anyway.
    safetensors_numpy.save_file(shuffled(arrays, 1), str(path), metadata=shuffled(METADATA, 2))
    o = inspect(path)
    assert (o["hidden_size"], o["input_size"], o["output_size"]) == (5, 2, 3)
    assert o["dtype"] == name
    assert o["activation"] == "softplus" and o["noise"] == "out"
    assert o["sigma_train"] == 0.30000000000000004
    assert o["dt"] == 0.05 and o["tau"] == 0.5
    assert o["gamma"] == 0.05 / 0.5
    assert o["task"] == "memory" and o["seed"] == "1234" and o["loss"] == 1.5e-07
    assert o["extra_metadata"] == {"optimizer": "adam", "comment": METADATA["comment"]}
    # Weights reach the analysis unchanged: the spectral radius from numpy
    # (LAPACK) and from GSL agree to rounding (1e-12 relative is ample for a
    # well-conditioned 5x5 problem).
    rho = max(abs(np.linalg.eigvals(arrays["W_rec"].astype(np.float64))))
    assert abs(o["spectral_radius"] - rho) <= 1e-12 * rho


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_python_reads_what_fixedpoints_writes(tmp_path, dtype):
    arrays = network(n=4, i=1, o=2, seed=3, dtype=dtype)
    src, out, again = tmp_path / "src.ckpt", tmp_path / "out.ckpt", tmp_path / "again.ckpt"
    safetensors_numpy.save_file(arrays, str(src), metadata=METADATA)
    r = run("checkpoint", "convert", str(src), str(out))
    assert r.returncode == 0, r.stderr

    loaded = safetensors_numpy.load_file(str(out))
    assert set(loaded) == set(TENSORS)
    for k in TENSORS:
        assert loaded[k].dtype == dtype
        np.testing.assert_array_equal(loaded[k], arrays[k])  # exact, bit for bit
    with safe_open(str(out), framework="np") as f:
        assert f.metadata() == METADATA

    # Canonical bytes: padded header, sorted keys, deterministic.
    n, text, data = header(out)
    assert n % 8 == 0
    assert text.decode("utf-8").rstrip(" ").endswith("}")
    keys = list(json.loads(text).keys())
    assert keys == sorted(keys)
    assert run("checkpoint", "convert", str(out), str(again)).returncode == 0
    assert again.read_bytes() == data

    # --dtype changes the element type; F32 -> F64 widens exactly.
    wide = tmp_path / "wide.ckpt"
    assert run("checkpoint", "convert", str(out), str(wide), "--dtype", "f64").returncode == 0
    loaded = safetensors_numpy.load_file(str(wide))
    for k in TENSORS:
        assert loaded[k].dtype == np.float64
        np.testing.assert_array_equal(loaded[k], arrays[k].astype(np.float64))


def test_extra_tensors_are_ignored_and_dropped_by_convert(tmp_path):
    arrays = network()
    arrays["optimizer.exp_avg.W_rec"] = np.zeros((5, 5), dtype=np.float32)
    src, out = tmp_path / "src.ckpt", tmp_path / "out.ckpt"
    safetensors_numpy.save_file(arrays, str(src), metadata=METADATA)
    assert inspect(src)["hidden_size"] == 5
    assert run("checkpoint", "convert", str(src), str(out)).returncode == 0
    assert set(safetensors_numpy.load_file(str(out))) == set(TENSORS)


@pytest.mark.parametrize("change,fragment", [
    ({"activation": "gelu"}, "gelu"),
    ({"noise": "both"}, "both"),
    ({"dt": "1.5"}, "dt"),
    ({"format": "pt"}, "format"),
])
def test_python_files_fixedpoints_must_refuse(tmp_path, change, fragment):
    path, out = tmp_path / "bad.ckpt", tmp_path / "out.ckpt"
    safetensors_numpy.save_file(network(), str(path), metadata={**METADATA, **change})
    for args in (("inspect", str(path)), ("convert", str(path), str(out))):
        r = run("checkpoint", *args)
        assert r.returncode == 2, r.stdout + r.stderr
        assert r.stdout == ""
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("fixedpoints: error:") and fragment in lines[0], r.stderr
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["bad.ckpt"], "no temporary files left"


def with_header(data, edit):
    """A Python-written file with its header text changed by `edit` (bytes -> bytes)."""
    (n,) = struct.unpack("<Q", data[:8])
    h = edit(data[8:8 + n].rstrip(b" "))
    return struct.pack("<Q", len(h)) + h + data[8 + n:]


def duplicate_metadata(h):
    return b'{"__metadata__":{"x":"1"},' + h[1:]


# Headers Python's reader refuses; fixedpoints must refuse each too (a file
# it reads is a file Python reads).
@pytest.mark.parametrize("edit,fragment", [
    (lambda h: b"\xef\xbb\xbf" + h, "byte-order mark"),
    (duplicate_metadata, 'duplicate key "__metadata__"'),
    (lambda h: h.replace(b'"__metadata__":{', b'"__metadata__":{"n":1,', 1), "not a string"),
    (lambda h: h.replace(b'"dtype":', b'"dtype":"F64","dtype":', 1), 'duplicate key "dtype"'),
    (lambda h: h.decode().encode("utf-16-le"), "NUL byte"),
    (lambda h: h + b"\x00", "NUL byte"),
    (lambda h: h[:-1] + b",}", "comma before '}'"),
    (lambda h: h.replace(b'"data_offsets":[0,', b'"data_offsets":[-0,', 1), "-0"),
])
def test_headers_python_refuses_are_refused(tmp_path, edit, fragment):
    good = safetensors_numpy.save(network(), metadata=METADATA)
    bad = with_header(good, edit)
    with pytest.raises(Exception):
        safetensors_numpy.load(bad)
    path = tmp_path / "bad.ckpt"
    path.write_bytes(bad)
    r = run("checkpoint", "inspect", str(path))
    assert r.returncode == 2 and r.stdout == "", r.stdout + r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and fragment in lines[0], r.stderr


def test_header_length_limit_is_pythons(tmp_path):
    """Declared lengths above 100,000,000 bytes: both refuse before reading."""
    good = safetensors_numpy.save(network(), metadata=METADATA)
    bad = struct.pack("<Q", 100_000_001) + good[8:]
    with pytest.raises(Exception, match="too large"):
        safetensors_numpy.load(bad)
    path = tmp_path / "big.ckpt"
    path.write_bytes(bad)
    r = run("checkpoint", "inspect", str(path))
    assert r.returncode == 2 and "exceeds the limit of 100000000 bytes" in r.stderr, r.stderr


def test_duplicate_tensor_names_are_refused(tmp_path):
    """Python keeps the last of two equal tensor names; fixedpoints refuses
    the file instead of picking one (stricter, never looser)."""
    good = safetensors_numpy.save(network(), metadata=METADATA)
    (n,) = struct.unpack("<Q", good[:8])
    entries = json.loads(good[8:8 + n])
    w = json.dumps({"W_rec": entries["W_rec"]}, separators=(",", ":"))[1:-1].encode()
    path = tmp_path / "dup.ckpt"
    path.write_bytes(with_header(good, lambda h: h[:-1] + b"," + w + b"}"))
    r = run("checkpoint", "inspect", str(path))
    assert r.returncode == 2 and 'duplicate key "W_rec"' in r.stderr, r.stderr


def test_missing_tensor_is_named(tmp_path):
    arrays = network()
    del arrays["b_out"]
    path = tmp_path / "bad.ckpt"
    safetensors_numpy.save_file(arrays, str(path), metadata=METADATA)
    r = run("checkpoint", "inspect", str(path))
    assert r.returncode == 2 and "'b_out'" in r.stderr and r.stdout == ""


# ---------------------------------------------------------------------------
# scripts/torch_to_ckpt.py

def rnn_state_dict(n=6, i=2, o=1, seed=5, dtype=np.float32):
    """What nn.RNN(i, n) + nn.Linear(n, o) named rnn/fc put in a state_dict."""
    rng = np.random.default_rng(seed)
    return {
        "rnn.weight_ih_l0": rng.standard_normal((n, i)).astype(dtype),
        "rnn.weight_hh_l0": (rng.standard_normal((n, n)) / np.sqrt(n)).astype(dtype),
        "rnn.bias_ih_l0": rng.standard_normal(n).astype(dtype),
        "rnn.bias_hh_l0": rng.standard_normal(n).astype(dtype),
        "fc.weight": rng.standard_normal((o, n)).astype(dtype),
        "fc.bias": rng.standard_normal(o).astype(dtype),
        "step": np.array(100),  # not a weight: ignored
    }


def test_torch_to_ckpt_core_maps_an_rnn_state_dict(tmp_path):
    sd = rnn_state_dict()
    tensors, metadata = torch_to_ckpt.convert_state_dict(
        sd, activation="tanh", noise="in", sigma_train=0.1, dt=1, tau=1, task="function", seed=7, loss=0.25)
    np.testing.assert_array_equal(tensors["W_rec"], sd["rnn.weight_hh_l0"])
    np.testing.assert_array_equal(tensors["W_in"], sd["rnn.weight_ih_l0"])
    # Two float32 biases summed in float64, then rounded once to float32.
    np.testing.assert_array_equal(
        tensors["b"], (sd["rnn.bias_hh_l0"].astype(np.float64) + sd["rnn.bias_ih_l0"]).astype(np.float32))
    np.testing.assert_array_equal(tensors["W_out"], sd["fc.weight"])
    assert tensors["W_rec"].dtype == np.float32

    path = tmp_path / "rnn.ckpt"
    torch_to_ckpt.write_checkpoint(str(path), tensors, metadata)
    o = inspect(path)
    assert (o["hidden_size"], o["input_size"], o["output_size"]) == (6, 2, 1)
    assert o["activation"] == "tanh" and o["noise"] == "in" and o["gamma"] == 1.0
    assert o["sigma_train"] == 0.1 and o["task"] == "function" and o["seed"] == "7" and o["loss"] == 0.25
    assert o["dtype"] == "F32"
    assert sorted(os.listdir(tmp_path)) == ["rnn.ckpt"]


def test_torch_to_ckpt_core_with_a_custom_mapping(tmp_path):
    rng = np.random.default_rng(9)
    sd = {"cell.W": rng.standard_normal((3, 3)), "cell.U": rng.standard_normal((3, 1)),
          "out.weight": rng.standard_normal((2, 3))}
    mapping = {"W_rec": ["cell.W"], "W_in": ["cell.U"], "b": ["zeros"], "W_out": ["out.weight"], "b_out": ["zeros"]}
    tensors, metadata = torch_to_ckpt.convert_state_dict(
        sd, activation="relu", noise="out", sigma_train=0.5, dt=0.1, tau=1.0, mapping=mapping)
    assert tensors["W_rec"].dtype == np.float64
    np.testing.assert_array_equal(tensors["b"], np.zeros(3))
    path = tmp_path / "custom.ckpt"
    torch_to_ckpt.write_checkpoint(str(path), tensors, metadata)
    o = inspect(path)
    assert (o["hidden_size"], o["input_size"], o["output_size"], o["dtype"]) == (3, 1, 2, "F64")
    assert o["gamma"] == 0.1 and o["task"] is None and o["loss"] is None
    np.testing.assert_array_equal(safetensors_numpy.load_file(str(path))["W_rec"], sd["cell.W"])


@pytest.mark.parametrize("edit,kwargs,fragment", [
    # nn.RNN has both biases or neither: one alone is a broken state_dict.
    (lambda sd: sd.pop("rnn.bias_ih_l0"), {}, "rnn.bias_ih_l0"),
    (lambda sd: sd.update({"rnn.weight_hh_l1": np.eye(6)}), {}, "multi-layer"),
    (lambda sd: sd.update({"rnn.bias_ih_l0": np.ones(5, np.float32)}), {}, "different shapes"),
    (lambda sd: None, {"dt": 2.0}, "discrete RNN .*dt = 2.0"),
    (lambda sd: None, {"activation": "gelu"}, "gelu"),
    (lambda sd: sd.update({"fc.weight": np.full((1, 6), np.nan, np.float32)}), {}, "W_out has a non-finite"),
])
def test_torch_to_ckpt_core_refuses_bad_input(edit, kwargs, fragment):
    sd = rnn_state_dict()
    edit(sd)
    args = dict(activation="tanh", noise="in", sigma_train=0.1, dt=1.0, tau=1.0)
    args.update(kwargs)
    with pytest.raises(torch_to_ckpt.ConversionError, match=fragment):
        torch_to_ckpt.convert_state_dict(sd, **args)


def test_torch_state_dict_through_the_script(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed (setup installs it only where a CPU-only '+cpu' wheel is reachable)")

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.RNN(2, 8, nonlinearity="relu", batch_first=True)
            self.fc = torch.nn.Linear(8, 1)

    torch.manual_seed(0)
    model = Model()
    pt, out = tmp_path / "model.pt", tmp_path / "model.ckpt"
    torch.save(model.state_dict(), str(pt))
    r = subprocess.run(
        [sys.executable, SCRIPT, str(pt), str(out), "--activation", "relu", "--noise", "in",
         "--sigma-train", "0.1", "--dt", "1", "--tau", "1", "--task", "function"],
        capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    o = inspect(out)
    assert (o["hidden_size"], o["input_size"], o["output_size"], o["dtype"]) == (8, 2, 1, "F32")
    # One step of nn.RNN from h = h0 equals the CTRNN map with gamma = 1.
    from safetensors.torch import load_file
    w = load_file(str(out))
    u, h0 = torch.randn(1, 1, 2), torch.randn(1, 1, 8)
    _, h1 = model.rnn(u, h0)
    ctrnn = torch.relu(w["W_rec"] @ h0[0, 0] + w["W_in"] @ u[0, 0] + w["b"])
    torch.testing.assert_close(h1[0, 0], ctrnn, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(model.fc(h1[0, 0]), w["W_out"] @ h1[0, 0] + w["b_out"], rtol=1e-6, atol=1e-6)
