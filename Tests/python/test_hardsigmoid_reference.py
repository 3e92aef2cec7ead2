"""hardsigmoid's Gaussian moments against the mpmath reference.

hardsigmoid(x) = min(max(x/4 + 1/2, 0), 1) = (1 + hardtanh(x/2))/2 exactly,
so with Y = hardtanh(X/2), X/2 ~ N(mu/2, (s/2)^2), the reference moments are
the mpmath ones of hardtanh (scripts/reference_moments.py, which shares no
code with the Swift implementation) mapped exactly: E f = (1 + E Y)/2,
E f^2 = (1 + 2 E Y + E Y^2)/4, Var f = Var Y / 4, E f' = E hardtanh'(X/2)/4,
bias = bias(Y)/2 -- formed at 120 digits, so the cancellations Swift avoids do
not matter here. Compared through the CLI to 1e-9 relative, as the other
activations are (test_moments_reference.py).
"""

import importlib.util
import json
import os
import subprocess

import pytest
from mpmath import mp

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("reference_moments", os.path.join(REPO, "scripts", "reference_moments.py"))
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)
BIN = os.environ.get("FIXEDPOINTS_BIN")

# Interior, at and near the kinks (+-2), deep in the lower tail (E f ~ 1e-80), large s.
POINTS = [(0.0, 1.0), (0.7, 0.3), (-2.0, 0.5), (2.0, 0.01), (-2.3, 0.1), (-10.0, 1.0), (-30.0, 1.5), (5.0, 0.7), (0.3, 40.0)]


def reference(mu, s):
    # 120 digits: E Y = -1 + 2e-79 at mu = -30 must keep its tail through 1 + E Y.
    with mp.workdps(120):
        y = ref.moments("hardtanh", mp.mpf(mu) / 2, mp.mpf(s) / 2, 120)
        mean = (1 + y["mean"]) / 2
        return {"mean": mean, "second_moment": (1 + 2 * y["mean"] + y["second_moment"]) / 4,
                "variance": y["variance"] / 4, "mean_slope": y["mean_slope"] / 4, "bias": y["bias"] / 2}


@pytest.mark.parametrize("mu,s", POINTS)
def test_hardsigmoid_moments_match_mpmath(mu, s):
    if not BIN or not os.path.exists(BIN):
        pytest.skip("FIXEDPOINTS_BIN is not set to the fixedpoints binary (make test sets it)")
    r = subprocess.run([BIN, "moments", "--activation", "hardsigmoid", "--mu", repr(mu), "--sigma", repr(s), "--json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    want = reference(mu, s)
    for k, v in want.items():
        a, b = mp.mpf(got[k]), v
        # The bias can be far below double resolution of E f (see test_moments_reference.py): absolute floor 1e-15 max(1, |E f|).
        if k == "bias" and abs(a - b) <= 1e-15 * max(1, abs(want["mean"])):
            continue
        err = abs(a - b) / max(abs(b), mp.mpf(10) ** -300)
        assert err < 1e-9, f"mu={mu} s={s} {k}: got {got[k]!r}, mpmath {mp.nstr(b, 20)} (rel {mp.nstr(err, 3)})"
