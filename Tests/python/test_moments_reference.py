"""Independent checks of Gaussian activation moments against mpmath.

X = mu + s*xi, xi ~ N(0, 1). The reference is scripts/reference_moments.py
(mpmath only; it shares no code with the Swift implementation).

Three groups:

* reference self-checks (no Swift needed): the mpmath quadrature against
  closed forms (relu, erf, hardtanh, linear), against plain mp.quad
  tanh-sinh (an independent rule and stopping test), and identities between
  activations (tanh' = 1 - tanh^2, sigmoid' = sigma - sigma^2,
  softplus' = sigmoid);
* the committed table Tests/GaussianMomentsTests/ReferenceMoments.swift:
  parses, is internally consistent, and spot rows recompute to the last bit;
* agreement at arbitrary (mu, s): ~40 seeded random points through the CLI
  `$FIXEDPOINTS_BIN moments --activation A --mu M --sigma S --json`,
  compared with mpmath to 1e-9 relative.
"""

import importlib.util
import json
import math
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from mpmath import mp

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    "reference_moments", os.path.join(REPO, "scripts", "reference_moments.py"))
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

TABLE = os.path.join(REPO, "Tests", "GaussianMomentsTests", "ReferenceMoments.swift")
KEYS = ref.KEYS  # mean, second_moment, variance, mean_slope, bias

# Precision of the mpmath reference inside these tests: ample for 1e-9 (CLI)
# and 1e-25 (closed forms) comparisons, and fast.
DPS = 30


def rel_err(a, b):
    a, b = mp.mpf(a), mp.mpf(b)
    if a == b:
        return mp.zero
    return abs(a - b) / max(abs(a), abs(b))


# ---------------------------------------------------------------------------
# 1. Reference self-checks

def closed_forms(name, mu, s):
    """Known closed forms (at the current mp precision), key -> value."""
    mu, s = mp.mpf(mu), mp.mpf(s)
    Phi, phi = mp.ncdf, mp.npdf
    if name == "linear":
        return {"mean": mu, "second_moment": mu * mu + s * s, "variance": s * s,
                "mean_slope": mp.one, "bias": mp.zero}
    if name == "relu":
        t = mu / s
        mean = mu * Phi(t) + s * phi(t)
        second = (mu * mu + s * s) * Phi(t) + mu * s * phi(t)
        return {"mean": mean, "second_moment": second, "mean_slope": Phi(t),
                "bias": mean - max(mu, 0)}
    if name == "erf":
        r = mp.sqrt(1 + s * s)
        out = {"mean": mp.erf(mu / (mp.sqrt(2) * r)),
               "mean_slope": 2 * phi(mu / r) / r}
        if mu == 0:
            # E[(2 Phi(X) - 1)^2] = (2/pi) asin(s^2 / (1 + s^2)) at mu = 0
            out["second_moment"] = 2 / mp.pi * mp.asin(s * s / (1 + s * s))
        return out
    if name == "hardtanh":
        a, b = (-1 - mu) / s, (1 - mu) / s
        mid = mu * (Phi(b) - Phi(a)) + s * (phi(a) - phi(b))
        mean = -Phi(a) + Phi(-b) + mid
        return {"mean": mean, "mean_slope": Phi(b) - Phi(a),
                "bias": mean - min(max(mu, -1), 1)}
    raise ValueError(name)


CLOSED_FORM_POINTS = [
    ("linear", -20.0, 3.0), ("linear", 0.3, 1e-6),
    ("relu", 0.0, 1.0), ("relu", 0.3, 0.5), ("relu", -1.0, 0.1),
    ("relu", -30.0, 1.0), ("relu", -3.6e-5, 1e-6), ("relu", 30.0, 1.0),
    ("relu", 5.0, 100.0), ("relu", 1e-8, 1e-6),
    ("erf", 0.0, 1.0), ("erf", 0.0, 50.0), ("erf", 0.0, 1e-3),
    ("erf", 20.0, 1e-6), ("erf", -5.0, 3.0), ("erf", 0.3, 100.0),
    ("hardtanh", 0.0, 1.0), ("hardtanh", 1.0, 0.5), ("hardtanh", 4.0, 0.1),
    ("hardtanh", -0.3, 50.0), ("hardtanh", 1.03, 0.001),
]


@pytest.mark.parametrize("name,mu,s", CLOSED_FORM_POINTS)
def test_reference_matches_closed_forms(name, mu, s):
    got = ref.moments(name, mu, s, DPS)
    with mp.workdps(DPS + 20):
        want = closed_forms(name, mu, s)
        for k, v in want.items():
            if v == 0:
                assert abs(got[k]) < mp.mpf(10) ** (-DPS), (name, mu, s, k, got[k])
                continue
            e = rel_err(got[k], v)
            assert e < 1e-25, "%s mu=%r s=%r %s: quad %s closed %s rel %s" % (
                name, mu, s, k, mp.nstr(got[k], 30), mp.nstr(v, 30), mp.nstr(e, 3))


TANH_SINH_POINTS = [
    ("tanh", 0.3, 2.0), ("tanh", 20.0, 1e-6), ("tanh", 1e-8, 1e-6),
    ("sigmoid", -5.0, 0.5), ("sigmoid", 1.0, 50.0),
    ("softplus", -20.0, 50.0), ("softplus", 5.0, 1e-3),
    ("relu", -30.0, 1.0), ("hardtanh", 1.0, 3.0), ("erf", -1.0, 10.0),
]


@pytest.mark.parametrize("name,mu,s", TANH_SINH_POINTS)
def test_reference_matches_plain_mpquad_tanh_sinh(name, mu, s):
    """The joint Gauss-Legendre driver vs plain mp.quad (tanh-sinh)."""
    a = ref.moments(name, mu, s, DPS)
    b = ref.moments(name, mu, s, DPS, method="tanh-sinh")
    for k in KEYS:
        e = rel_err(a[k], b[k])
        assert e < 1e-24, "%s mu=%r s=%r %s: GL %s tanh-sinh %s rel %s" % (
            name, mu, s, k, mp.nstr(a[k], 30), mp.nstr(b[k], 30), mp.nstr(e, 3))


@pytest.mark.parametrize("mu,s", [(0.3, 2.0), (-5.0, 0.5), (20.0, 1e-3), (1.0, 50.0)])
def test_reference_identities(mu, s):
    with mp.workdps(DPS):
        th = ref.moments("tanh", mu, s, DPS)
        sg = ref.moments("sigmoid", mu, s, DPS)
        sp = ref.moments("softplus", mu, s, DPS)
        # tanh' = 1 - tanh^2
        assert abs(th["mean_slope"] + th["second_moment"] - 1) < mp.mpf(10) ** -25
        # sigma' = sigma - sigma^2
        assert abs(sg["mean_slope"] - (sg["mean"] - sg["second_moment"])) \
            < mp.mpf(10) ** -25 * sg["mean"]
        # softplus' = sigma
        assert rel_err(sp["mean_slope"], sg["mean"]) < 1e-25


# ---------------------------------------------------------------------------
# 2. The committed Swift table

ROW_RE = re.compile(
    r'Row\(activation: "(\w+)", mu: ([^,]+), s: ([^,]+), mean: ([^,]+), '
    r'secondMoment: ([^,]+), variance: ([^,]+), meanSlope: ([^,]+), bias: ([^)]+)\)')


def table_rows():
    with open(TABLE) as fh:
        text = fh.read()
    rows = []
    for m in ROW_RE.finditer(text):
        vals = [float(x) for x in m.groups()[1:]]
        rows.append((m.group(1), vals[0], vals[1], dict(zip(KEYS, vals[2:]))))
    return text, rows


def test_table_parses_and_is_consistent():
    text, rows = table_rows()
    assert text.count("Row(activation:") == len(rows) > 500
    assert "mpmath" in text and "scripts/reference_moments.py" in text
    seen = {r[0] for r in rows}
    assert seen == set(ref.ACTIVATIONS)
    for name, mu, s, v in rows:
        assert all(math.isfinite(x) for x in v.values()), (name, mu, s)
        assert v["variance"] >= 0 and v["second_moment"] >= 0, (name, mu, s)
        # Each entry is the rounded exact value, so E f^2 = mean^2 + var up to
        # a few roundings.
        lhs, rhs = v["second_moment"], v["mean"] ** 2 + v["variance"]
        assert abs(lhs - rhs) <= 4e-16 * lhs, (name, mu, s, lhs, rhs)


def test_table_identities():
    _, rows = table_rows()
    by = {(n, mu, s): v for n, mu, s, v in rows}
    n = 0
    for (name, mu, s), v in by.items():
        if name == "tanh":
            assert abs(v["mean_slope"] + v["second_moment"] - 1) <= 3e-16, (mu, s, v)
        elif name == "sigmoid":
            assert abs(v["mean_slope"] - (v["mean"] - v["second_moment"])) \
                <= 3e-16 * v["mean"], (mu, s, v)
        elif name == "softplus" and ("sigmoid", mu, s) in by:
            assert abs(v["mean_slope"] - by["sigmoid", mu, s]["mean"]) \
                <= 2.3e-16 * v["mean_slope"], (mu, s)
            n += 1
    assert n > 50


def test_table_rows_recompute_exactly():
    """A few rows, recomputed here, round to exactly the committed doubles."""
    _, rows = table_rows()
    rng = np.random.default_rng(7)
    for i in rng.choice(len(rows), size=8, replace=False):
        name, mu, s, v = rows[i]
        got = ref.moments(name, mu, s, DPS)
        for k in KEYS:
            want = v[k]
            g = ref.to_double(got[k]) if abs(got[k]) >= ref.UNDERFLOW else 0.0
            assert g == want, "%s mu=%r s=%r %s: table %r recomputed %r" % (
                name, mu, s, k, want, g)


# ---------------------------------------------------------------------------
# 3. Agreement at arbitrary (mu, s) through the CLI

def random_points():
    """~40 seeded (activation, mu, s); ranges chosen so that no mean,
    second moment, variance or mean slope underflows a double."""
    rng = np.random.default_rng(20240611)

    def logu(lo, hi):
        return float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))

    pts = []
    for name in ("tanh", "sigmoid", "softplus"):
        for _ in range(7):
            pts.append((name, float(rng.uniform(-20, 20)), logu(1e-6, 50)))
    for _ in range(7):  # relu: mu/s up to +-30 (mean ~1e-200 at -30)
        s = logu(1e-6, 100)
        pts.append(("relu", float(rng.uniform(-30, 30)) * s, s))
    for _ in range(6):
        pts.append(("erf", float(rng.uniform(-20, 20)), logu(1e-6, 100)))
    for i in range(6):  # hardtanh: half interior, half within 30 s of a kink
        s = logu(1e-6, 100)
        if i % 2:
            mu = float(rng.uniform(-0.9, 0.9))
        else:
            mu = float(rng.choice([-1.0, 1.0]) + rng.uniform(-30, 30) * s)
        pts.append(("hardtanh", mu, s))
    pts.append(("linear", float(rng.uniform(-20, 20)), logu(1e-6, 100)))
    pts.append(("linear", 0.0, logu(1e-6, 100)))
    return pts


# Very wide Gaussians, beyond the committed table's s <= 100: the integrand's
# features sit within ~40/s of the kink xi_0 = |mu|/s, and an adaptive rule
# given too few breakpoints there once returned sigmoid's slope 5e-4 off.
LARGE_S_POINTS = [("tanh", 0.3, 300.0), ("tanh", -2.0, 1e4), ("tanh", 40.0, 1e3),
                  ("sigmoid", 0.3, 1e3), ("sigmoid", 1.0, 1e6), ("sigmoid", -30.0, 5e3),
                  ("softplus", 0.3, 1e4), ("softplus", -5.0, 1e6),
                  # tanh's and sigmoid's second differences once lost ulp(s*xi)
                  # to log sinh t - log cosh(mu +- t) at t ~ 40 s: mean and
                  # variance ~1e-12 off at s = 1e6 under a 4e-15 bound.
                  ("tanh", 0.3, 1e6), ("tanh", -3.0, 3e4),
                  ("sigmoid", 0.3, 1e5), ("sigmoid", 5.0, 2e5)]
POINTS = random_points() + LARGE_S_POINTS
CLI_REL_TOL = 1e-9
# The bias E f(X) - f(mu) can be exactly 0 (tanh, erf, hardtanh, sigmoid at
# mu = 0; linear always) or far below double resolution (hardtanh well inside
# (-1, 1) at small s: ~exp(-1/(2 s^2)); relu far from its kink). A Swift
# implementation that forms it as E f - f(mu) legitimately returns roundoff of
# size ~1e-16 |E f| there, so a pure relative test cannot pass. Hence: relative
# 1e-9, or absolute 1e-15 * max(1, |mean|), whichever is looser.
BIAS_ABS_FLOOR = 1e-15


def find_binary():
    env = os.environ.get("FIXEDPOINTS_BIN")
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            pytest.fail("FIXEDPOINTS_BIN=%r is not an executable file" % env)
        return env
    for sub in (".build/release/fixedpoints", ".build/debug/fixedpoints"):
        p = os.path.join(REPO, sub)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    pytest.fail(
        "fixedpoints executable not found: FIXEDPOINTS_BIN is unset and neither "
        ".build/release/fixedpoints nor .build/debug/fixedpoints exists under %s. "
        "Build it (`swift build -c release` or `make build`) or set FIXEDPOINTS_BIN."
        % REPO)


def run_cli(binary, name, mu, s):
    # --opt=value so that negative numbers are never taken for flags.
    cmd = [binary, "moments", "--activation", name, "--mu=%r" % mu,
           "--sigma=%r" % s, "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return cmd, None, "exit %d: %s" % (p.returncode, (p.stderr or p.stdout).strip()[-2000:])
    out = p.stdout.strip()
    try:
        return cmd, json.loads(out), None
    except json.JSONDecodeError:
        # Tolerate log lines around the object: take the last {...} line.
        for line in reversed(out.splitlines()):
            line = line.strip()
            if line.startswith("{") and line.endswith("}"):
                try:
                    return cmd, json.loads(line), None
                except json.JSONDecodeError:
                    break
        return cmd, None, "stdout is not one JSON object: %r" % out[:2000]


@pytest.fixture(scope="module")
def cli_results():
    binary = find_binary()
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
        futs = {p: ex.submit(run_cli, binary, *p) for p in POINTS}
        return {p: f.result() for p, f in futs.items()}


@pytest.mark.parametrize("name,mu,s", POINTS,
                         ids=["%s-mu%.3g-s%.3g" % p for p in POINTS])
def test_cli_agrees_with_mpmath(cli_results, name, mu, s):
    cmd, got, err = cli_results[name, mu, s]
    assert err is None, "%s: %s" % (" ".join(cmd), err)
    expected_keys = {"activation", "mu", "sigma", "mean", "second_moment", "variance",
                     "mean_slope", "bias", "method", "error_bound"}
    missing = expected_keys - set(got)
    assert not missing, "%s: JSON lacks %s" % (" ".join(cmd), sorted(missing))
    assert got["activation"] == name
    for k, v in (("mu", mu), ("sigma", s)):
        assert abs(got[k] - v) <= 1e-15 * abs(v), "CLI echoed %s=%r for %r" % (k, got[k], v)

    want = ref.moments(name, mu, s, DPS)
    failures = []
    for k in KEYS:
        w = float(want[k]) if abs(want[k]) >= ref.UNDERFLOW else 0.0
        g = got[k]
        if not isinstance(g, (int, float)) or not math.isfinite(g):
            failures.append("%s: CLI %r (mpmath %r)" % (k, g, w))
            continue
        err = abs(g - w) / abs(w) if w != 0 else (0.0 if g == 0 else math.inf)
        tol_abs = CLI_REL_TOL * abs(w)
        if k == "bias":
            tol_abs = max(tol_abs, BIAS_ABS_FLOOR * max(1.0, abs(float(want["mean"]))))
        if abs(g - w) > tol_abs:
            failures.append("%s: CLI %.17g mpmath %.17g rel err %.3g (tol %.3g)"
                            % (k, g, w, err, tol_abs / abs(w) if w else tol_abs))
    assert not failures, "activation=%s mu=%r s=%r (method %s, error_bound %s)\n  %s" % (
        name, mu, s, got.get("method"), got.get("error_bound"), "\n  ".join(failures))


# ---------------------------------------------------------------------------
# 4. The printed error bounds are honest

def wide_reference(name, mu, s, dps=DPS):
    """The five moments at s >= 300 by mp.quad in x (not xi), breakpoints at
    f's own scales: x in {0, +-2, +-8, +-20, +-40, +-80} and mu +- 60 s.

    Why not `ref.moments`: its breakpoints are in xi, so at s >> 100 one
    interval covers x from 30 to 2 s, across which sigmoid' ~ e^{-x} still
    holds e^{-30} ~ 1e-13 of the slope's mass, varying on a scale 1/s of
    that interval; there the reference, not the code, is ~1e-13 off. In x
    every f and f' feature lies between the breakpoints within e^{-80}.
    """
    with mp.workdps(dps):
        mu_, s_ = mp.mpf(mu), mp.mpf(s)
        lo, hi = mu_ - 60 * s_, mu_ + 60 * s_
        pts = [lo] + [mp.mpf(x) for x in (-80, -40, -20, -8, -2, 0, 2, 8, 20, 40, 80)
                      if lo < x < hi] + [hi]
        dens = lambda x: mp.npdf(x, mu_, s_)
        mean = mp.quad(lambda x: ref.f_value(name, x) * dens(x), pts)
        second = mp.quad(lambda x: ref.f_value(name, x) ** 2 * dens(x), pts)
        slope = mp.quad(lambda x: ref.f_slope(name, x) * dens(x), pts)
        return {"mean": mean, "second_moment": second, "variance": second - mean ** 2,
                "mean_slope": slope, "bias": mean - ref.f_value(name, mu_)}


@pytest.mark.parametrize("name,mu,s", POINTS,
                         ids=["%s-mu%.3g-s%.3g" % p for p in POINTS])
def test_cli_error_bounds_cover_the_error(cli_results, name, mu, s):
    """|CLI - reference| <= the CLI's own error_bounds[key] + 4 ulp, for every
    moment: the bounds are what `moments` prints and what `analyze` carries,
    so they must not claim digits the value does not have. The 4 ulp are the
    final rounding of the printed double (and of the reference's)."""
    cmd, got, err = cli_results[name, mu, s]
    assert err is None, "%s: %s" % (" ".join(cmd), err)
    bounds = got["error_bounds"]
    want = wide_reference(name, mu, s) if s >= 300 else ref.moments(name, mu, s, DPS)
    failures = []
    for k in KEYS:
        w = float(want[k]) if abs(want[k]) >= ref.UNDERFLOW else 0.0
        limit = bounds[k] + 4 * 2.0 ** -52 * abs(w)
        if abs(got[k] - w) > limit:
            failures.append("%s: CLI %.17g reference %.17g |diff| %.3g > bound %.3g"
                            % (k, got[k], w, abs(got[k] - w), limit))
    assert not failures, "activation=%s mu=%r s=%r (method %s)\n  %s" % (
        name, mu, s, got.get("method"), "\n  ".join(failures))
