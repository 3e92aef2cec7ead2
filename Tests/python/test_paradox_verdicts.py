"""The verdict line `paradox`/`merge` print names the kind of noise a sweep
ran: a gated sweep (Gulcehre's units; placement out) is not tested against
the noise-out prediction (optimum at sigma_test = 0), and a dropout sweep
speaks of rates. Read from the committed sweeps in results/ through `merge`.

Needs FIXEDPOINTS_BIN (make test sets it); skipped with the reason otherwise.
"""

import os
import re
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("FIXEDPOINTS_BIN")


def verdict(tmp_path, rel):
    if not BIN or not os.path.exists(BIN):
        pytest.skip("FIXEDPOINTS_BIN is not set to the fixedpoints binary (make test sets it)")
    r = subprocess.run([BIN, "merge", os.path.join(REPO, rel), "-o", str(tmp_path / "m.json")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l.startswith("verdict: ")]
    assert len(lines) == 1, r.stdout
    return lines[0][len("verdict: "):], r.stdout


def test_gated_sweep_is_named_and_counts_its_optima(tmp_path):
    v, out = verdict(tmp_path, "results/paradox-noise-laws/function-gated-half-normal.json")
    assert v.startswith("gated, half-normal: optimum at sigma_test > 0 for "), v
    assert "noise-out" not in v
    # The count is the table's: rows whose best sigma_test (4th column) is > 0.
    m = re.search(r"for (\d+)/(\d+) sigma_train > 0 \((.*)\)$", v)
    pairs = [p.split("->") for p in m.group(3).split(", ")]
    assert int(m.group(2)) == len(pairs)
    assert int(m.group(1)) == sum(float(b) > 0 for _, b in pairs)


def test_additive_and_dropout_sweeps_keep_their_words(tmp_path):
    v, _ = verdict(tmp_path, "results/paradox-noise-laws/function-gaussian.json")
    assert v.startswith("noise-in: optimum at sigma_test > 0 for ") and "; noise-out: optimum at sigma_test = 0 for " in v, v
    v, _ = verdict(tmp_path, "results/paradox-dropout/state.json")
    assert v.startswith("dropout-state: optimum at p_test > 0 for "), v
