"""The README's "Bringing a model from PyTorch/JAX" recipes, run as written.

Each recipe is the text between `<!-- recipe: NAME -->` and
`<!-- /recipe -->`: a ```python block (the user's training script's last
lines) and a ```sh block. The Python runs in a fresh directory with
Tests/python (the tutorial's `neurogym_ctrnn`) and python/ (fixedpoints_io)
importable; where the recipe leaves the trained object to the reader
(`params = ...`), PRELUDE supplies a stand-in with the same structure. The
shell lines run with `python3 scripts/...` pointing at this repository and
`swift run -c release fixedpoints` at $FIXEDPOINTS_BIN; every command must
succeed, and the last (analyze) must print a report. Recipes marked
"(torch)" are skipped, with the reason, when torch is not installed.
"""

import os
import re
import shlex
import subprocess
import sys

import pytest

BIN = os.environ.get("FIXEDPOINTS_BIN")
if not BIN:
    pytest.skip("FIXEDPOINTS_BIN is not set (`make test-python` sets it)", allow_module_level=True)
pytest.importorskip("safetensors", reason="the safetensors package is missing (scripts/setup.sh installs it)")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(REPO, "README.md")

# Stand-ins for what the recipe's reader already has after training.
PRELUDE = {
    "flax": """
import numpy as np
_rng = np.random.default_rng(0)
params = {"cell": {"i": {"kernel": _rng.standard_normal((1, 16))},
                   "h": {"kernel": 0.5 * _rng.standard_normal((16, 16)) / 4.0, "bias": 0.1 * _rng.standard_normal(16)}},
          "Dense_0": {"kernel": _rng.standard_normal((16, 1)), "bias": np.zeros(1)}}
""",
}


def recipes():
    text = open(README, encoding="utf-8").read()
    found = re.findall(r"<!-- recipe: (.+?) -->(.*?)<!-- /recipe -->", text, re.S)
    out = []
    for name, body in found:
        python = re.findall(r"```python\n(.*?)```", body, re.S)
        shell = re.findall(r"```sh\n(.*?)```", body, re.S)
        out.append((name.strip(), "\n".join(python), "\n".join(shell)))
    return out


def test_the_readme_has_the_three_recipes():
    names = [r[0] for r in recipes()]
    assert len(names) == 3, names


@pytest.mark.parametrize("name,python,shell", recipes(), ids=[r[0] for r in recipes()])
def test_recipe_runs_as_written(tmp_path, name, python, shell):
    if "(torch)" in name:
        pytest.importorskip("torch", reason=f"recipe '{name}' needs torch, which is not installed "
                                            "(setup installs it only where a CPU-only '+cpu' wheel is reachable)")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(REPO, "Tests", "python"), os.path.join(REPO, "python")]
                                        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    prelude = PRELUDE.get(name.split(" ")[0], "")
    r = subprocess.run([sys.executable, "-c", prelude + python], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    commands = shell.replace("\\\n", " ").strip().splitlines()
    assert commands
    for line in commands:
        args = shlex.split(line)
        if args[:2] == ["python3", "scripts/torch_to_ckpt.py"]:
            args = [sys.executable, os.path.join(REPO, "scripts", "torch_to_ckpt.py")] + args[2:]
        elif args[:4] == ["swift", "run", "-c", "release"] and args[4] == "fixedpoints":
            args = [BIN] + args[5:]
        else:
            pytest.fail(f"recipe '{name}': unexpected command {line!r}")
        c = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert c.returncode == 0, (line, c.stderr)
    assert "sigma" in c.stdout  # the analyze report
