"""Bringing a model from PyTorch, JAX or PsychRNN: the converter
(scripts/torch_to_ckpt.py), the fixedpoints_io package, and what the Swift
reader says about files that are not converted yet.

scripts/setup.sh installs torch only where a CPU-only build ("+cpu") is
reachable (PyPI's default Linux wheel pulls the CUDA libraries, several GB).
The layouts are therefore also tested through state_dicts written by NumPy
with exactly the key names and shapes PyTorch, Flax and PsychRNN use
(`*_state_dict` below); the tests that need a real torch module are skipped
with the reason when torch is missing.

Independence: every "source" forward pass used as a reference here is
written in this file, from the framework's documented formula, not taken
from fixedpoints_io.
"""

import json
import math
import os
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

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "scripts", "torch_to_ckpt.py")
sys.path.insert(0, os.path.join(REPO, "python"))  # the package, installed or not
import fixedpoints_io as fio  # noqa: E402

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(
    torch is None, reason="torch is not installed (setup installs it only where a CPU-only '+cpu' wheel is reachable)")


def relu(x):
    return np.maximum(x, 0.0)


def run(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=300)


def convert(*args, cwd=None):
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def inspect(path):
    r = run("checkpoint", "inspect", path, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# --- Sources written by NumPy with the frameworks' key names ---------------

def neurogym_state_dict(n=8, i=1, o=1, seed=3, gain=0.5):
    """RNNNet of the NeuroGym tutorial: rnn.input2h, rnn.h2h (nn.Linear,
    weight [out, in], both with a bias) and the readout fc. gain < 1 keeps
    the relu network contracting, so it has one stable fixed point."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    return {
        "rnn.input2h.weight": rng.standard_normal((n, i)).astype(f32),
        "rnn.input2h.bias": (0.3 * rng.standard_normal(n) + 0.3).astype(f32),
        "rnn.h2h.weight": (gain * rng.standard_normal((n, n)) / np.sqrt(n)).astype(f32),
        "rnn.h2h.bias": (0.3 * rng.standard_normal(n)).astype(f32),
        "fc.weight": rng.standard_normal((o, n)).astype(f32),
        "fc.bias": (0.1 * rng.standard_normal(o)).astype(f32),
    }


def neurogym_step(sd, h, u, alpha, noise_pre=0.0):
    """The tutorial's recurrence: relu(input2h(u) + h2h(h) [+ noise]), then
    h*(1-alpha) + h_new*alpha."""
    a = {k: v.astype(np.float64) for k, v in sd.items()}
    pre = u @ a["rnn.input2h.weight"].T + a["rnn.input2h.bias"] + h @ a["rnn.h2h.weight"].T + a["rnn.h2h.bias"]
    return h * (1 - alpha) + relu(pre + noise_pre) * alpha


def neurogym_readout(sd, h):
    return h @ sd["fc.weight"].astype(np.float64).T + sd["fc.bias"].astype(np.float64)


def rnn_state_dict(n=6, i=2, o=1, seed=5):
    """nn.RNN(i, n) called rnn and nn.Linear(n, o) called fc."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    return {
        "rnn.weight_ih_l0": rng.standard_normal((n, i)).astype(f32),
        "rnn.weight_hh_l0": (0.5 * rng.standard_normal((n, n)) / np.sqrt(n)).astype(f32),
        "rnn.bias_ih_l0": (0.3 * rng.standard_normal(n)).astype(f32),
        "rnn.bias_hh_l0": (0.3 * rng.standard_normal(n)).astype(f32),
        "fc.weight": rng.standard_normal((o, n)).astype(f32),
        "fc.bias": rng.standard_normal(o).astype(f32),
    }


def flax_tree(n=5, i=2, o=2, seed=7):
    """A Flax model {cell: SimpleCell (Dense i without bias, Dense h with
    bias), Dense_0 readout}, flattened with "/" (kernels are [in, out])."""
    rng = np.random.default_rng(seed)
    return {
        "params/cell/i/kernel": rng.standard_normal((i, n)),
        "params/cell/h/kernel": 0.5 * rng.standard_normal((n, n)) / np.sqrt(n),
        "params/cell/h/bias": 0.3 * rng.standard_normal(n),
        "params/Dense_0/kernel": rng.standard_normal((n, o)),
        "params/Dense_0/bias": rng.standard_normal(o),
    }


def psychrnn_weights(n=6, i=2, o=1, seed=11):
    """PsychRNN Basic's model.get_weights() (np.savez by model.save): W_rec
    [N, N], W_in [N, I], W_out [O, N], b_rec, b_out, masks, init_state."""
    rng = np.random.default_rng(seed)
    rec_conn = (rng.random((n, n)) < 0.7).astype(np.float64)
    return {
        "W_rec": 0.5 * rng.standard_normal((n, n)) / np.sqrt(n), "W_in": rng.standard_normal((n, i)),
        "W_out": rng.standard_normal((o, n)), "b_rec": 0.2 * rng.standard_normal(n),
        "b_out": rng.standard_normal(o), "init_state": rng.standard_normal((1, n)),
        "rec_connectivity": rec_conn, "input_connectivity": np.ones((n, i)),
        "output_connectivity": np.ones((o, n)), "Dale_rec": np.eye(n), "Dale_out": np.eye(n),
    }


def save(path, arrays):
    if str(path).endswith(".npz"):
        np.savez(path, **arrays)
    else:
        safetensors_numpy.save_file(arrays, str(path))


# --- Layouts recognised without --map ---------------------------------------

def test_neurogym_ctrnn_converts_without_map_and_its_sigma0_readout_is_the_modules(tmp_path):
    sd = neurogym_state_dict()
    src, out = tmp_path / "ng.safetensors", tmp_path / "ng.ckpt"
    save(src, sd)
    alpha, u = 0.2, 0.5
    r = convert(src, out, "--activation", "relu", "--noise", "in", "--sigma-train", "0.1",
                "--dt", 20, "--tau", 100, "--task", "function")
    assert r.returncode == 0, r.stderr
    assert "layout: neurogym-ctrnn" in r.stdout
    assert "b     = rnn.input2h.bias + rnn.h2h.bias" in r.stdout
    assert r.stdout.count("check: sigma") == 4, r.stdout
    o = inspect(out)
    assert o["gamma"] == pytest.approx(alpha, rel=1e-15)
    assert o["extra_metadata"]["source_layout"] == "neurogym-ctrnn"
    # The tutorial's module run to rest from h = 0 (in float64, from the
    # float32 weights), against analyze's reference fixed point.
    h = np.zeros((1, 8))
    for _ in range(3000):
        h = neurogym_step(sd, h, np.array([[u]]), alpha)
    z_module = neurogym_readout(sd, h)[0, 0]
    a = json.loads(run("analyze", out, "--sigma-test", "0", "--input", u, "--json").stdout)
    ref = [fp for fp in a["fixed_points"] if fp["reference"]][0]
    # Float precision: the checkpoint stores the summed bias rounded once to
    # float32 (relative 6e-8); the fixed point's residual is ~1e-12.
    assert ref["readout"][0] == pytest.approx(z_module, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_flax_tree_is_recognised_and_its_kernels_transposed(tmp_path, suffix):
    tree = flax_tree()
    src, out = tmp_path / ("flax" + suffix), tmp_path / "flax.ckpt"
    save(src, tree)
    r = convert(src, out, "--activation", "tanh", "--noise", "in", "--sigma-train", "0.2")
    assert r.returncode == 0, r.stderr
    assert "layout: flax-simplecell" in r.stdout and "cell.h.kernelᵀ" not in r.stdout
    w = safetensors_numpy.load_file(str(out))
    np.testing.assert_array_equal(w["W_rec"], tree["params/cell/h/kernel"].T)
    np.testing.assert_array_equal(w["W_in"], tree["params/cell/i/kernel"].T)
    np.testing.assert_array_equal(w["b"], tree["params/cell/h/bias"])
    np.testing.assert_array_equal(w["W_out"], tree["params/Dense_0/kernel"].T)
    # One Flax step h' = tanh(u @ K_i + h @ K_h + b_h) equals the checkpoint map at gamma = 1.
    rng = np.random.default_rng(0)
    u, h = rng.standard_normal(2), rng.standard_normal(5)
    flax = np.tanh(u @ tree["params/cell/i/kernel"] + h @ tree["params/cell/h/kernel"] + tree["params/cell/h/bias"])
    np.testing.assert_allclose(np.tanh(w["W_rec"] @ h + w["W_in"] @ u + w["b"]), flax, rtol=0, atol=1e-14)
    assert inspect(out)["gamma"] == 1.0


def test_rnn_and_own_names_and_psychrnn_are_recognised(tmp_path):
    cases = [
        ("rnn.safetensors", rnn_state_dict(), ["--noise", "in"], "torch-nn-rnn"),
        ("own.npz", {"model." + k: v for k, v in
                     {"W_rec": np.eye(3) * 0.5, "W_in": np.ones((3, 1)), "b": np.zeros(3),
                      "W_out": np.ones((1, 3)), "b_out": np.zeros(1)}.items()},
         ["--noise", "out", "--dt", 0.1, "--tau", 1], "fixedpoints"),
        ("psychrnn.npz", psychrnn_weights(), ["--noise-scaling", "x-sqrt-2-alpha", "--dt", 10, "--tau", 10],
         "psychrnn"),
    ]
    for name, arrays, extra, layout in cases:
        src, out = tmp_path / name, tmp_path / (name + ".ckpt")
        save(src, arrays)
        r = convert(src, out, "--activation", "relu", "--sigma-train", "0.1", *extra)
        assert r.returncode == 0, (name, r.stderr)
        assert f"layout: {layout}" in r.stdout, r.stdout
        inspect(out)
    # PsychRNN: the connectivity mask is applied; sigma_rec * sqrt(2 alpha)
    # at alpha = 1 is sigma_c = sqrt(2) sigma_rec inside f.
    p = psychrnn_weights()
    w = safetensors_numpy.load_file(str(tmp_path / "psychrnn.npz.ckpt"))
    np.testing.assert_array_equal(w["W_rec"], p["W_rec"] * p["rec_connectivity"])
    assert inspect(tmp_path / "psychrnn.npz.ckpt")["sigma_train"] == pytest.approx(math.sqrt(2) * 0.1, rel=1e-15)


def test_psychrnn_with_alpha_below_one_is_refused(tmp_path):
    src = tmp_path / "p.npz"
    save(src, psychrnn_weights())
    r = convert(src, tmp_path / "p.ckpt", "--activation", "relu", "--noise-scaling", "x-sqrt-2-alpha",
                "--sigma-train", "0.1", "--dt", 10, "--tau", 100)
    assert r.returncode == 2 and "alpha = 1" in r.stderr, r.stderr
    assert not (tmp_path / "p.ckpt").exists()


# --- Errors that name everything at once, and the bias trap -------------------

@pytest.mark.parametrize("bias", ["zeros", "rnn.h2h.bias"])
def test_an_unmapped_bias_is_refused(tmp_path, bias):
    src, out = tmp_path / "ng.safetensors", tmp_path / "ng.ckpt"
    save(src, neurogym_state_dict())
    r = convert(src, out, "--activation", "relu", "--noise", "in", "--sigma-train", "0.1", "--dt", 20,
                "--tau", 100, "--map", f"b={bias}")
    assert r.returncode == 2, r.stdout
    assert "rnn.input2h.bias" in r.stderr and "--map b=" in r.stderr and r.stderr.count("\n") == 1
    assert sorted(os.listdir(tmp_path)) == ["ng.safetensors"]


def test_every_missing_tensor_is_named_in_one_message(tmp_path):
    sd = {"cell.W": np.eye(3), "cell.U": np.ones((3, 1)), "cell.bias": np.zeros(3), "head.weight": np.ones((1, 3))}
    src = tmp_path / "x.npz"
    save(src, sd)
    r = convert(src, tmp_path / "x.ckpt", "--activation", "relu", "--noise", "in", "--sigma-train", "0",
                "--dt", 1, "--tau", 1, "--map", "W_rec=cell.W")
    assert r.returncode == 2
    for target in ("W_in", "b (", "W_out", "b_out"):
        assert target in r.stderr, r.stderr
    # The same source, fully mapped, converts (no forward known: not run).
    r = convert(src, tmp_path / "x.ckpt", "--activation", "relu", "--noise", "in", "--sigma-train", "0",
                "--dt", 1, "--tau", 1, "--map", "W_rec=cell.W", "--map", "W_in=cell.U", "--map", "b=cell.bias",
                "--map", "W_out=head.weight", "--map", "b_out=zeros")
    assert r.returncode == 0, r.stderr
    assert "check: not run" in r.stdout


def test_unknown_task_is_refused_with_the_known_ones(tmp_path):
    src = tmp_path / "ng.npz"
    save(src, neurogym_state_dict())
    r = convert(src, tmp_path / "ng.ckpt", "--activation", "relu", "--noise", "in", "--sigma-train", "0.1",
                "--dt", 20, "--tau", 100, "--task", "sine")
    assert r.returncode == 2 and "'sine'" in r.stderr and "function, regulator" in r.stderr


def test_analyze_notes_a_task_it_does_not_know(tmp_path):
    arrays = {"W_rec": 0.3 * np.eye(2), "W_in": np.ones((2, 1)), "b": np.full(2, 0.2), "W_out": np.ones((1, 2)),
              "b_out": np.zeros(1)}
    path = tmp_path / "m.ckpt"
    safetensors_numpy.save_file(arrays, str(path), metadata={
        "activation": "relu", "noise": "in", "sigma_train": "0.1", "dt": "0.1", "tau": "1", "task": "sine"})
    r = run("analyze", path, "--sigma-test", "0", "--input", "0.5", "--json")
    assert r.returncode == 0, r.stderr
    assert "task 'sine' is not a known task" in r.stderr
    # Without --input the run fails (no default input for 'sine'): then the
    # error is the one line on stderr, the note is not printed before it.
    r = run("analyze", path, "--sigma-test", "0", "--json")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and "does not define a default input" in r.stderr, r.stderr


def test_analyze_on_a_foreign_file_names_the_layout_and_a_command_that_works(tmp_path):
    sd = neurogym_state_dict()
    src = tmp_path / "trained net.safetensors"  # a space: the command must quote it
    save(src, sd)
    r = run("analyze", src)
    assert r.returncode == 2 and r.stdout == ""
    assert "NeuroGym tutorial CTRNN" in r.stderr
    command = r.stderr.split("convert it first: ")[1].split(" (fill in")[0]
    command = (command.replace("python3 scripts/torch_to_ckpt.py", f"{sys.executable} {SCRIPT}")
               .replace("SIGMA", "0.1").replace("DT", "20").replace("TAU", "100"))
    c = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=300)
    assert c.returncode == 0, c.stderr
    assert inspect(tmp_path / "trained net.ckpt")["hidden_size"] == 8


# --- Noise conventions ---------------------------------------------------------

def simulate_neurogym(sd, alpha, sigma_rec, u, trials, steps, burn, seed):
    """The tutorial network with noise sqrt(2/alpha) sigma_rec xi added to the
    pre-activation, each trial's time-averaged readout after burn-in."""
    rng = np.random.default_rng(seed)
    n = sd["rnn.h2h.weight"].shape[0]
    h = np.zeros((trials, n))
    total = np.zeros(trials)
    uu = np.full((trials, 1), u)
    for t in range(steps):
        h = neurogym_step(sd, h, uu, alpha, math.sqrt(2 / alpha) * sigma_rec * rng.standard_normal((trials, n)))
        if t >= burn:
            total += neurogym_readout(sd, h)[:, 0]
    means = total / (steps - burn)
    return means.mean(), means.std(ddof=1) / math.sqrt(trials)


def test_sqrt_2_over_alpha_noise_gives_the_modules_stationary_readout(tmp_path):
    """Done-when: converted with its convention, analyze's simulated
    stationary readout matches a simulation of the original network within
    4 standard errors; converted as if sigma_rec were the checkpoint's
    sigma (the silent mismatch), it does not."""
    sd = neurogym_state_dict(seed=4)
    alpha, sigma_rec, u = 0.2, 0.1, 0.5
    src = tmp_path / "ng.safetensors"
    save(src, sd)
    # Relaxation ~ 1/(alpha (1 - 0.5)) = 10 steps: burn-in 200 is 20 of them;
    # trial means over 800 steps are independent across trials.
    m_src, se_src = simulate_neurogym(sd, alpha, sigma_rec, u, trials=400, steps=1000, burn=200, seed=1)
    results = {}
    for scaling in ("in-sqrt-2-over-alpha", "in"):
        out = tmp_path / f"{scaling}.ckpt"
        r = convert(src, out, "--activation", "relu", "--noise-scaling", scaling, "--sigma-train", sigma_rec,
                    "--dt", 20, "--tau", 100)
        assert r.returncode == 0, r.stderr
        sigma_c = inspect(out)["sigma_train"]
        a = json.loads(run("analyze", out, "--sigma-test", repr(sigma_c), "--input", u, "--json").stdout)
        level = a["noise_levels"][0]
        assert level["sigma"] == sigma_c
        m, se = level["simulated_mean"][0], level["simulated_se"][0]
        results[scaling] = (m - m_src) / math.hypot(se, se_src)
    print("z by convention:", results)
    assert abs(results["in-sqrt-2-over-alpha"]) < 4, results
    assert abs(results["in"]) > 4, results


def test_the_check_refuses_a_wrong_noise_translation(monkeypatch):
    """The run-both check is what catches a wrong factor: with translate()
    made wrong for one convention, the conversion is refused."""
    sd = neurogym_state_dict()
    c = fio.convert(sd, activation="relu", noise_scaling="out-sqrt-2-alpha", sigma_train=0.1, dt=20, tau=100)
    fio.check_conversion(c, sd, scaling="out-sqrt-2-alpha", sigma=0.1)  # the right one passes
    real = fio.noise.translate
    monkeypatch.setattr(fio.noise, "translate",
                        lambda s, sigma, g: (real(s, sigma, g)[0], math.sqrt(2 * g) * float(sigma)))
    with pytest.raises(fio.CheckFailed, match="sigma = 0.1"):
        fio.check_conversion(c, sd, scaling="out-sqrt-2-alpha", sigma=0.1)


@pytest.mark.parametrize("scaling,factor", [
    ("in", lambda g: 1.0), ("out", lambda g: 1.0), ("in-sqrt-2-over-alpha", lambda g: math.sqrt(2 / g)),
    ("out-additive", lambda g: 1 / g), ("out-sqrt-2-alpha", lambda g: math.sqrt(2 * g) / g)])
def test_each_convention_passes_the_run_both_check(scaling, factor):
    sd = neurogym_state_dict()
    c = fio.convert(sd, activation="relu", noise_scaling=scaling, sigma_train=0.2, dt=20, tau=100)
    lines = fio.check_conversion(c, sd, scaling=scaling, sigma=0.2)
    assert len(lines) == 4
    assert float(c.metadata["sigma_train"]) == pytest.approx(0.2 * factor(0.2), rel=1e-14)
    assert c.metadata["noise_scaling"] == scaling and c.metadata["sigma_source"] == "0.2"


# --- The fixedpoints_io package against the Swift reader, both ways ----------

def test_save_ctrnn_is_read_by_fixedpoints(tmp_path):
    rng = np.random.default_rng(2)
    n = 4
    w = dict(W_rec=0.4 * rng.standard_normal((n, n)) / 2, W_in=rng.standard_normal((n, 1)),
             b=0.3 * np.abs(rng.standard_normal(n)), W_out=rng.standard_normal((1, n)), b_out=np.zeros(1))
    path = tmp_path / "py.ckpt"
    fio.save_ctrnn(path, **w, activation="softplus", noise="out-additive", sigma_train=0.05, dt=0.1, tau=1.0,
                   task="function")
    o = inspect(path)
    assert (o["hidden_size"], o["activation"], o["noise"], o["dtype"]) == (n, "softplus", "out", "F64")
    assert o["sigma_train"] == pytest.approx(0.5, rel=1e-14)  # sigma / gamma
    r = run("analyze", path, "--sigma-test", "0", "--json")
    assert r.returncode == 0, r.stderr
    ref = [fp for fp in json.loads(r.stdout)["fixed_points"] if fp["reference"]][0]
    h = np.zeros(n)
    for _ in range(2000):
        h = 0.9 * h + 0.1 * np.logaddexp(0, w["W_rec"] @ h + w["W_in"][:, 0] * 0.5 + w["b"])
    assert ref["readout"][0] == pytest.approx(float((w["W_out"] @ h)[0]), abs=1e-9)


def test_load_reads_what_fixedpoints_train_writes(tmp_path):
    path = tmp_path / "swift.ckpt"
    r = run("train", "--task", "function", "--hidden", 4, "--iterations", 3, "--noise", "out", "--sigma", 0.25,
            "--seed", 3, "-o", path)
    assert r.returncode == 0, r.stderr
    ck = fio.load(path)
    o = inspect(path)
    assert (ck.activation, ck.noise, ck.sigma_train, ck.task) == (o["activation"], "out", 0.25, "function")
    assert ck.W_rec.shape == (4, 4) and ck.W_in.shape == (4, 1) and ck.W_out.shape == (1, 4)
    assert ck.gamma == o["gamma"]
    raw = safetensors_numpy.load_file(str(path))
    for t in fio.TARGETS:
        np.testing.assert_array_equal(getattr(ck, t), raw[t])


# --- With torch ----------------------------------------------------------------

NEUROGYM_MODULE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "neurogym_ctrnn.py")


def neurogym_module(seed=0, sigma_rec=0.0):
    import importlib.util
    spec = importlib.util.spec_from_file_location("neurogym_ctrnn", NEUROGYM_MODULE)
    m = importlib.util.module_from_spec(spec)
    sys.modules["neurogym_ctrnn"] = m  # so torch.save(whole module) can pickle the class
    spec.loader.exec_module(m)
    torch.manual_seed(seed)
    net = m.RNNNet(input_size=1, hidden_size=8, output_size=1, dt=20, sigma_rec=sigma_rec)
    with torch.no_grad():
        net.rnn.h2h.weight.mul_(0.5)  # contracting, as neurogym_state_dict
    return net


@needs_torch
def test_torch_neurogym_module_through_the_script_with_module_check(tmp_path):
    net = neurogym_module()
    pt, out = tmp_path / "net.pt", tmp_path / "net.ckpt"
    torch.save(net.state_dict(), str(pt))
    r = convert(pt, out, "--activation", "relu", "--noise", "in", "--sigma-train", "0", "--dt", 20, "--tau", 100,
                "--module", f"{NEUROGYM_MODULE}:RNNNet",
                "--module-args", json.dumps({"input_size": 1, "hidden_size": 8, "output_size": 1, "dt": 20}))
    assert r.returncode == 0, r.stderr
    assert "check: module run" in r.stdout
    # sigma = 0 readout at rest: the module against analyze.
    with torch.no_grad():
        z, _ = net(torch.full((3000, 1, 1), 0.5))
    a = json.loads(run("analyze", out, "--sigma-test", "0", "--input", 0.5, "--json").stdout)
    ref = [fp for fp in a["fixed_points"] if fp["reference"]][0]
    assert ref["readout"][0] == pytest.approx(float(z[-1, 0, 0]), rel=1e-5, abs=1e-5)  # float32 module


@needs_torch
def test_torch_module_with_sqrt_2_over_alpha_noise_matches_analyze(tmp_path):
    """Done-when, with the torch module itself: its own noisy forward (train
    mode: sqrt(2/alpha) sigma_rec on the pre-activation) simulated over 400
    trials, against analyze's stationary readout of the conversion, within
    4 standard errors."""
    net = neurogym_module(seed=2, sigma_rec=0.1).double()
    pt, out = tmp_path / "net.pt", tmp_path / "net.ckpt"
    torch.save(net.state_dict(), str(pt))
    r = convert(pt, out, "--activation", "relu", "--noise-scaling", "in-sqrt-2-over-alpha", "--sigma-train", 0.1,
                "--dt", 20, "--tau", 100)
    assert r.returncode == 0, r.stderr
    net.train()
    torch.manual_seed(5)
    with torch.no_grad():
        z, _ = net(torch.full((1000, 400, 1), 0.5, dtype=torch.float64))
    # Burn-in 200 steps (20 relaxation times of a contraction ~0.5 at alpha = 0.2).
    means = z[200:, :, 0].mean(dim=0).numpy()
    m_src, se_src = means.mean(), means.std(ddof=1) / math.sqrt(len(means))
    sigma_c = inspect(out)["sigma_train"]
    level = json.loads(run("analyze", out, "--sigma-test", repr(sigma_c), "--input", 0.5, "--json").stdout)[
        "noise_levels"][0]
    z_score = (level["simulated_mean"][0] - m_src) / math.hypot(level["simulated_se"][0], se_src)
    print("analyze", level["simulated_mean"][0], "+-", level["simulated_se"][0], "torch", m_src, "+-", se_src, "z", z_score)
    assert abs(z_score) < 4, (level["simulated_mean"][0], m_src, z_score)


@needs_torch
def test_pickled_module_gets_one_line(tmp_path):
    net = neurogym_module()
    pt = tmp_path / "whole.pt"
    torch.save(net, str(pt))
    r = convert(pt, tmp_path / "x.ckpt", "--activation", "relu", "--noise", "in", "--sigma-train", "0",
                "--dt", 20, "--tau", 100)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "torch.save(model.state_dict()" in r.stderr and r.stderr.count("\n") == 1


@needs_torch
def test_from_torch_then_analyze(tmp_path):
    net = neurogym_module(seed=1)
    path = tmp_path / "ft.ckpt"
    c = fio.from_torch(net, path, activation="relu", noise="in-sqrt-2-over-alpha", sigma_train=0.05,
                       task="function")
    assert c.layout.name == "neurogym-ctrnn"
    assert c.metadata["dt"] == "0.2" and c.metadata["tau"] == "1.0"  # from the module's alpha
    r = run("analyze", path, "--sigma-test", "0,0.1", "--json")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["noise_levels"]) == 2


@needs_torch
def test_torch_nn_rnn_from_torch_reads_its_activation(tmp_path):
    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.RNN(2, 8, nonlinearity="relu")
            self.fc = torch.nn.Linear(8, 1)

    torch.manual_seed(0)
    c = fio.from_torch(Model(), tmp_path / "r.ckpt", noise="in", sigma_train=0.1)
    assert c.layout.name == "torch-nn-rnn" and c.metadata["activation"] == "relu"
    assert inspect(tmp_path / "r.ckpt")["gamma"] == 1.0


def test_pt_without_torch_says_what_to_do(tmp_path):
    if torch is not None:
        pytest.skip("torch is installed: the message for a missing torch cannot be seen")
    pt = tmp_path / "m.pt"
    pt.write_bytes(b"PK\x03\x04 not really")
    r = convert(pt, tmp_path / "m.ckpt", "--activation", "relu", "--noise", "in", "--sigma-train", "0",
                "--dt", 1, "--tau", 1)
    assert r.returncode == 2 and "needs torch" in r.stderr and "safetensors.torch.save_file" in r.stderr


# --- The installed package (scripts/setup.sh runs `pip install ./python`) ---

INSTALLED_SCRIPT = """
import json, sys
import numpy as np
import fixedpoints_io as fio
out = {"file": fio.__file__}
rng = np.random.default_rng(0)
fio.save_ctrnn(sys.argv[1], 0.3 * np.eye(3), rng.standard_normal((3, 1)), np.full(3, 0.2),
               rng.standard_normal((1, 3)), np.zeros(1), activation="tanh", noise="in", sigma_train=0.1,
               dt=0.1, tau=1.0, task="function")
try:
    import torch
except ImportError:
    torch = None
if torch is not None:
    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.RNN(1, 4, nonlinearity="tanh")
            self.fc = torch.nn.Linear(4, 1)
    torch.manual_seed(0)
    with torch.no_grad():
        m = Model()
        m.rnn.weight_hh_l0.mul_(0.3)
    fio.from_torch(m, sys.argv[2], noise="in", sigma_train=0.1, task="function")
    out["from_torch"] = True
print(json.dumps(out))
"""


def test_installed_package_writes_what_analyze_reads(tmp_path):
    """`pip install ./python`, then a user's script (outside the repository,
    nothing on sys.path) writes checkpoints with save_ctrnn and, when torch
    is installed, from_torch; analyze reads both."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([sys.executable, "-c", "import fixedpoints_io; print(fixedpoints_io.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)
    if where.returncode != 0:
        pytest.skip("fixedpoints_io is not installed (scripts/setup.sh runs `pip install ./python`)")
    assert not where.stdout.startswith(os.path.join(REPO, "python")), "the repository copy, not an installed one"
    a, b = tmp_path / "saved.ckpt", tmp_path / "from_torch.ckpt"
    r = subprocess.run([sys.executable, "-c", INSTALLED_SCRIPT, str(a), str(b)], capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    made = [a] + ([b] if json.loads(r.stdout).get("from_torch") else [])
    if torch is None:
        print("from_torch not exercised: torch is not installed")
    for path in made:
        r = run("analyze", path, "--sigma-test", "0,0.1", "--json")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["noise_levels"][1]["output_error"] is not None


def test_mapped_flax_kernels_are_transposed_and_x_noise_needs_an_x_state(tmp_path):
    tree = {"net/rec/kernel": 0.3 * np.eye(3) + 0.1 * np.triu(np.ones((3, 3))), "net/inp/kernel": np.ones((2, 3)),
            "net/rec/bias": np.full(3, 0.1), "net/out/kernel": np.ones((3, 1)), "net/out/bias": np.zeros(1)}
    c = fio.convert(tree, activation="tanh", noise="in", sigma_train=0.1, dt=0.1, tau=1,
                    mapping={"W_rec": ["net/rec/kernel"], "W_in": ["net/inp/kernel"], "b": ["net/rec/bias"],
                             "W_out": ["net/out/kernel"], "b_out": ["net/out/bias"]})
    np.testing.assert_array_equal(c.tensors["W_rec"], tree["net/rec/kernel"].T)
    assert c.tensors["W_in"].shape == (3, 2) and c.tensors["W_out"].shape == (1, 3)
    with pytest.raises(fio.ConversionError, match="pre-activation x"):
        fio.convert(neurogym_state_dict(), activation="relu", noise_scaling="x-sqrt-2-alpha", sigma_train=0.1,
                    dt=1, tau=1)
