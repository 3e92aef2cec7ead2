#!/usr/bin/env python3
"""Independent high-precision reference for Gaussian moments of activations.

For X = mu + s*xi, xi ~ N(0, 1), and each activation f this computes, with
mpmath quadrature in the variable xi,

    mean          E f(X)
    second_moment E f(X)^2
    variance      Var f(X)
    mean_slope    E f'(X)
    bias          E f(X) - f(mu)

and writes Tests/GaussianMomentsTests/ReferenceMoments.swift.  It shares no
code with the Swift implementation.

Usage:
    python3 scripts/reference_moments.py            # write the Swift table
    python3 scripts/reference_moments.py --check    # compute and verify only
    python3 scripts/reference_moments.py --point tanh 0.3 2.0   # one point

How the integrals are kept exact
--------------------------------
With c = f(mu) and c' = f'(mu) three integrals are computed:

    B  = E[f(X) - c - c' s xi]      (= bias, because E[xi] = 0 exactly)
    M2 = E[(f(X) - c)^2]
    D  = E[f'(X)]                   (= mean_slope)

then mean = c + B, variance = M2 - B^2, second_moment = mean^2 + variance.
Subtracting the linear Taylor term removes the odd O(s) part of the bias
integrand, so for small s the bias integral has no cancellation; M2 is an
integral of a non-negative function and B^2 <= M2 (Cauchy-Schwarz), so the
variance is well conditioned wherever it is not tiny relative to M2.

Quadrature: on each interval, mpmath's Gauss-Legendre rule (the node sets
mp.quad(method="gauss-legendre") uses, via mpmath.calculus.quadrature, with
its maps of the half-infinite end intervals), driven by integrate_joint() so
that f is evaluated once per node for all three integrands and the degree is
raised until the change is small *relative* to the integral's magnitude.
mp.quad itself stops on an absolute error (~10^-dps), useless for integrals of
size 1e-200 (relu at mu/s = -30), and calling it three times per point was too
slow for the run-time budget.  moments(..., method="tanh-sinh") runs the same
integrands through plain mp.quad (rescaled until the estimate is stable) as an
independent path; Tests/python/test_moments_reference.py compares the two.

Intervals are split (in xi) at the kinks (relu: xi = -mu/s; hardtanh:
xi = (+-1 - mu)/s), at xi = (x - mu)/s for x in {0, +-1, +-3, +-10, +-30}
(where smooth activations change scale; matters for large s), on a fixed
ladder covering the Gaussian mass out to |xi| = 50, and on a geometric ladder
of width ~1/|xi_k| beyond each kink xi_k in the tails (the integrand there
decays like exp(-|xi_k| u)).  Beyond |xi| = 50 the weight is < 1e-540, far
below anything printed.

Every value is computed twice, at WORK_DPS and CHECK_DPS decimal digits (with
the whole quadrature redone, so node sets and stopping points differ), and the
script asserts agreement to at least AGREE_DIGITS significant digits before
writing the table; only then are values rounded (to nearest) to doubles.
"""

import argparse
import math
import os
import sys
import time

import mpmath
from mpmath import mp
from mpmath.calculus.quadrature import GaussLegendre
from mpmath.libmp import to_float

WORK_DPS = 50
CHECK_DPS = 80
AGREE_DIGITS = 20
# |value| below this (but not exactly 0) does not fit a double usefully.
UNDERFLOW = 1e-300
NEGLIGIBLE = mp.mpf("1e-400")
GUARD_DPS = 20

ACTIVATIONS = ("linear", "relu", "softplus", "tanh", "sigmoid", "hardtanh", "erf")
# f(mu + t) - f(mu) is odd in t at mu = 0 for these, so the bias is exactly 0.
ODD_ABOUT_ZERO = ("linear", "tanh", "sigmoid", "hardtanh", "erf")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "GaussianMomentsTests", "ReferenceMoments.swift")


# ---------------------------------------------------------------------------
# Activations (mpmath, at the current working precision)

def f_value(name, x):
    if name == "linear":
        return x
    if name == "relu":
        return x if x > 0 else mp.zero
    if name == "softplus":
        return mp.log1p(mp.exp(x)) if x <= 0 else x + mp.log1p(mp.exp(-x))
    if name == "tanh":
        return mp.tanh(x)
    if name == "sigmoid":
        return 1 / (1 + mp.exp(-x))
    if name == "hardtanh":
        return min(max(x, -mp.one), mp.one)
    if name == "erf":
        return mp.erf(x / mp.sqrt(2))
    raise ValueError(name)


def f_slope(name, x):
    if name == "linear":
        return mp.one
    if name == "relu":
        return mp.one if x >= 0 else mp.zero
    if name == "softplus":
        return 1 / (1 + mp.exp(-x))
    if name == "tanh":
        return 1 / mp.cosh(x) ** 2
    if name == "sigmoid":
        e = mp.exp(-abs(x))
        return e / (1 + e) ** 2
    if name == "hardtanh":
        return mp.one if (-1 <= x < 1) else mp.zero
    if name == "erf":
        return 2 * mp.npdf(x)
    raise ValueError(name)


def make_increments(name, mu, s, c, cp):
    """Return inc(xi) -> (d, dl, slope) with x = mu + s xi, d = f(x) - f(mu),
    dl = d - f'(mu) s xi and slope = f'(x), each formed without catastrophic
    cancellation.  Constants depending only on mu are hoisted.

    Naively subtracting f(mu) loses log10|f(mu)/d| digits: erf at mu = 20,
    s = 1e-6 has f(mu) = 1 - 5.5e-89 and d ~ 1e-94, i.e. ~95 digits gone.
    On a linear piece that contains both mu and x, d and dl are exact (the
    pieces are closed on the side where f' is defined by the convention:
    relu' = [x >= 0], hardtanh' = [-1 <= x < 1]).
    """
    one, zero = mp.one, mp.zero

    if name == "linear":
        def inc(xi):
            return s * xi, zero, one
    elif name == "relu":
        def inc(xi):
            x = mu + s * xi
            h = s * xi
            if x >= 0:
                return (h, zero, one) if mu >= 0 else (x, x - cp * h, one)
            return (zero, zero, zero) if mu < 0 else (-c, -c - cp * h, zero)
    elif name == "hardtanh":
        def piece(y):
            return -1 if y < -1 else (1 if y >= 1 else 0)
        pm = piece(mu)

        def inc(xi):
            x = mu + s * xi
            h = s * xi
            px = piece(x)
            sl = one if px == 0 else zero
            if px == pm:
                return (h if pm == 0 else zero), zero, sl
            d = f_value(name, x) - c
            return d, d - cp * h, sl
    elif name == "tanh":
        cosh_mu = mp.cosh(mu)

        def inc(xi):
            h = s * xi
            cx = mp.cosh(mu + h)
            # tanh x - tanh mu = sinh(x - mu) / (cosh x cosh mu)
            d = mp.sinh(h) / (cx * cosh_mu)
            return d, d - cp * h, 1 / (cx * cx)
    elif name == "sigmoid":
        e_mu = mp.exp(-mu)

        def inc(xi):
            h = s * xi
            e_x = mp.exp(-(mu + h))
            q = 1 + e_x
            # sigma(x) - sigma(mu) = -e^-mu expm1(-h) / ((1 + e^-x)(1 + e^-mu))
            d = -e_mu * mp.expm1(-h) / (q * (1 + e_mu))
            return d, d - cp * h, e_x / (q * q)
    elif name == "softplus":
        sig_mu = 1 / (1 + mp.exp(-mu))

        def inc(xi):
            h = s * xi
            # log(1+e^x) - log(1+e^mu) = log1p(sigma(mu) expm1(h))
            d = mp.log1p(sig_mu * mp.expm1(h))
            return d, d - cp * h, 1 / (1 + mp.exp(-(mu + h)))
    elif name == "erf":
        r2 = mp.sqrt(2)
        k = 2 / mp.sqrt(2 * mp.pi)
        # 2(Phi(x) - Phi(mu)) through the Gaussian tail on mu's side
        if mu >= 0:
            t_mu = mp.erfc(mu / r2)

            def dd(x):
                return t_mu - mp.erfc(x / r2)
        else:
            t_mu = mp.erfc(-mu / r2)

            def dd(x):
                return mp.erfc(-x / r2) - t_mu

        def inc(xi):
            h = s * xi
            x = mu + h
            d = dd(x)
            return d, d - cp * h, k * mp.exp(-x * x / 2)
    else:
        raise ValueError(name)
    return inc


def kinks(name):
    return {"relu": (0,), "hardtanh": (-1, 1)}.get(name, ())


# ---------------------------------------------------------------------------
# Quadrature

XI_MAX = 50
GAUSS_LADDER = (0, 2, 5, 10, 20, 35, 50)
SCALE_POINTS = (0, 1, -1, 3, -3, 10, -10, 30, -30)
KINK_STEPS = (0.25, 1, 4, 16, 64)


def breakpoints(name, mu, s):
    pts = set()
    for g in GAUSS_LADDER:
        pts.add(mp.mpf(g))
        pts.add(-mp.mpf(g))
    if name != "linear":
        for x in SCALE_POINTS:
            pts.add((x - mu) / s)
    for k in kinks(name):
        xk = (k - mu) / s
        pts.add(xk)
        if abs(xk) > 2:
            # The integrand beyond a tail kink decays like exp(-|xk| u).
            sgn = 1 if xk > 0 else -1
            for j in KINK_STEPS:
                pts.add(xk + sgn * j / abs(xk))
    pts = sorted(p for p in pts if abs(p) <= XI_MAX)
    return [mp.ninf] + pts + [mp.inf]


_GL = GaussLegendre(mp)
GL_MAX_DEGREE = 10


def _gl_interval(G, a, b, degree, m):
    """Degree-`degree` Gauss-Legendre sums of the m integrands of G on [a, b]."""
    acc = [mp.zero] * m
    for x, w in _GL.get_nodes(a, b, degree, mp.prec):
        vals = G(x)
        for j in range(m):
            acc[j] += w * vals[j]
    return acc


def integrate_joint(G, pts, m, eps):
    """Integrals over pts (a sorted list, may start/end with -inf/inf) of the
    m functions returned together by G(xi), to relative accuracy ~eps.

    mpmath's own Gauss-Legendre rule (the nodes mp.quad(method=
    'gauss-legendre') uses, including its maps of half-infinite intervals),
    driven jointly so that f is evaluated once per node for all integrands,
    and stopped on a *relative* criterion: per interval, degree k is accepted
    when it differs from degree k-1 by <= sqrt(eps) * 1e-5 * (sum over
    intervals of the integrand's magnitude); see below for why sqrt.
    mp.quad's own stopping test is absolute, useless for the 1e-200 relu tails.
    The CHECK_DPS recomputation is what certifies the digits.
    """
    intervals = [(a, b) for a, b in zip(pts[:-1], pts[1:]) if a != b]
    # Degree k has twice the nodes of degree k-1, and for an integrand
    # analytic around the interval the Gauss-Legendre error is ~rho^(-2n), so
    # err(I_k) ~ err(I_{k-1})^2 ~ |I_k - I_{k-1}|^2: a difference of
    # sqrt(eps) (with margin) already means I_k is good to ~eps.
    eps = mp.sqrt(eps) * mp.mpf(10) ** -5
    coarse = [_gl_interval(G, a, b, 3, m) for a, b in intervals]
    mag = [sum(abs(I[j]) for I in coarse) for j in range(m)]
    for _attempt in range(3):
        tol = [eps * max(mg, NEGLIGIBLE) for mg in mag]
        total = [mp.zero] * m
        absum = [mp.zero] * m
        for (a, b), prev in zip(intervals, coarse):
            degree = 4
            while True:
                cur = _gl_interval(G, a, b, degree, m)
                if all(abs(cur[j] - prev[j]) <= tol[j] for j in range(m)):
                    break
                prev = cur
                degree += 1
                if degree > GL_MAX_DEGREE:
                    raise RuntimeError("no convergence on [%s, %s]" % (a, b))
            for j in range(m):
                total[j] += cur[j]
                absum[j] += abs(cur[j])
        # The coarse magnitudes set the tolerance; if they overestimated the
        # converged ones by > 10x, tighten and redo.
        if all(absum[j] * 10 >= mag[j] or mag[j] < NEGLIGIBLE for j in range(m)):
            return total
        mag = absum
    raise RuntimeError("magnitudes did not settle")


def integrate_mpquad(g, pts, method, digits):
    """Independent path for cross-checks: one mp.quad per integral, the
    integrand rescaled by 1/|previous estimate| until stable (mp.quad stops on
    an absolute error, so this makes it relative)."""
    scale = mp.one
    prev = None
    for _ in range(8):
        val = mp.quad(lambda t: g(t) * scale, pts, method=method) / scale
        if val == 0 or abs(val) < NEGLIGIBLE:
            return val
        if prev is not None and abs(val - prev) <= abs(val) * mp.mpf(10) ** (-digits + 5):
            return val
        prev = val
        scale = 1 / abs(val)
    raise RuntimeError("mp.quad integral did not settle")


def moments(name, mu, s, dps=WORK_DPS, method="joint-gl"):
    """The five moments as mpf at `dps` digits. mu, s: floats (taken exactly).

    method: "joint-gl" (default, used for the table) or an mp.quad method
    name ("tanh-sinh", "gauss-legendre") for an independent cross-check.
    Also returns, under "exact_zero", the keys whose value is 0 by symmetry.
    """
    # Everything, including f(mu) and f'(mu), is evaluated with GUARD_DPS
    # extra digits: the linear-Taylor subtraction in the bias integrand
    # cancels up to ~15 digits (tanh at mu = 1e-8, s = 1e-6).  Integrals are
    # converged to ~10^-dps relative and the results rounded to dps digits.
    bias_is_zero = name == "linear" or (mu == 0 and name in ODD_ABOUT_ZERO)
    mean_is_zero = mu == 0 and name in ODD_ABOUT_ZERO and name != "sigmoid"
    with mp.workdps(dps + GUARD_DPS):
        eps = mp.mpf(10) ** (-dps)
        mu = mp.mpf(mu)
        s = mp.mpf(s)
        c = f_value(name, mu)
        cp = f_slope(name, mu)
        inv_sqrt_2pi = 1 / mp.sqrt(2 * mp.pi)
        pts = breakpoints(name, mu, s)
        inc = make_increments(name, mu, s, c, cp)
        cache = {}

        def G(xi):
            r = cache.get(xi)
            if r is None:
                w = mp.exp(-xi * xi / 2) * inv_sqrt_2pi
                d, dl, sl = inc(xi)
                r = (dl * w, d * d * w, sl * w)
                cache[xi] = r
            return r

        if method == "joint-gl":
            B, M2, D = integrate_joint(G, pts, 3, eps)
        else:
            B, M2, D = (mp.zero if (j == 0 and bias_is_zero) else
                        integrate_mpquad(lambda t, j=j: G(t)[j], pts, method, dps)
                        for j in range(3))
        if bias_is_zero:
            B = mp.zero   # integrand identically 0 (linear) or odd (mu = 0)
        mean = c + B
        var = M2 - B * B
        out = {
            "mean": mean,
            "second_moment": mean * mean + var,
            "variance": var,
            "mean_slope": D,
            "bias": B,
        }
    with mp.workdps(dps):
        out = {k: +v for k, v in out.items()}
    out["exact_zero"] = (("bias",) if bias_is_zero else ()) + (("mean",) if mean_is_zero else ())
    return out


KEYS = ("mean", "second_moment", "variance", "mean_slope", "bias")


def to_double(x):
    """Round an mpf to the nearest double."""
    return to_float(mp.mpf(x)._mpf_, rnd="n")


# ---------------------------------------------------------------------------
# Grid

S_ALL = (1e-6, 1e-3, 0.1, 0.5, 1.0, 3.0, 10.0, 50.0, 100.0)
S_SMOOTH = tuple(s for s in S_ALL if s <= 50)
MU_BASE = (-20.0, -5.0, -1.0, -0.3, 0.0, 1e-8, 0.3, 1.0, 5.0, 20.0)
# mu = r * s: Gaussian tails at the relu kink.
RELU_RATIOS = (-40.0, -36.0, -30.0, -5.0, -1.0, 1.0, 5.0, 30.0, 36.0, 40.0)
HARDTANH_RATIOS = (-40.0, -30.0, 30.0, 40.0)
# mu = k + r * s, k = +-1: Gaussian tails at the hardtanh kinks.
HARDTANH_KINK_RATIOS = (-30.0, -1.0, 0.0, 1.0, 30.0)


def grid():
    pts = []

    def add(name, mus, s):
        for mu in mus:
            if (name, mu, s) not in seen:
                seen.add((name, mu, s))
                pts.append((name, mu, s))

    seen = set()
    for s in S_ALL:
        add("linear", (-20.0, 0.0, 0.3, 5.0), s)
    for s in S_ALL:
        add("relu", MU_BASE + tuple(r * s for r in RELU_RATIOS), s)
    for name in ("softplus", "tanh", "sigmoid"):
        for s in S_SMOOTH:
            add(name, MU_BASE, s)
    for s in S_ALL:
        add("hardtanh", MU_BASE + tuple(r * s for r in HARDTANH_RATIOS)
            + tuple(k + r * s for k in (-1.0, 1.0) for r in HARDTANH_KINK_RATIOS), s)
    for s in S_ALL:
        add("erf", MU_BASE, s)
    return pts


# ---------------------------------------------------------------------------
# Driver

def agree_digits(a, b):
    if a == b:
        return math.inf
    return float(-mp.log10(abs(a - b) / max(abs(a), abs(b))))


def compute_point(p):
    name, mu, s = p
    lo = moments(name, mu, s, WORK_DPS)
    hi = moments(name, mu, s, CHECK_DPS)
    return p, lo, hi


def classify(lo, hi):
    """Per key: ('ok', digits) | ('zero',) exact by symmetry | ('underflow',)."""
    out = {}
    for k in KEYS:
        a, b = lo[k], hi[k]
        if k in lo["exact_zero"]:
            assert a == 0 and b == 0
            out[k] = ("zero",)
        elif abs(b) < UNDERFLOW:
            if abs(a) >= UNDERFLOW:
                raise AssertionError("underflow disagreement %s %s" % (a, b))
            out[k] = ("underflow",)
        else:
            out[k] = ("ok", agree_digits(a, b))
    return out


def fmt(x):
    s = "%.17g" % x
    if not any(ch in s for ch in ".einf"):
        s += ".0"
    return s


def run(write=True, jobs=None):
    t0 = time.time()
    pts = grid()
    jobs = jobs or min(os.cpu_count() or 1, 8)
    if jobs > 1:
        import multiprocessing as mpr
        with mpr.Pool(jobs) as pool:
            results = pool.map(compute_point, pts, chunksize=1)
    else:
        results = [compute_point(p) for p in pts]

    rows, dropped, flagged = [], [], []
    min_digits = math.inf
    for (name, mu, s), lo, hi in results:
        cls = classify(lo, hi)
        for k in KEYS:
            if cls[k][0] == "ok":
                d = cls[k][1]
                if d < AGREE_DIGITS:
                    raise AssertionError(
                        "%s mu=%r s=%r %s: dps %d vs %d agree to only %.1f digits (%s vs %s)"
                        % (name, mu, s, k, WORK_DPS, CHECK_DPS, d,
                           mpmath.nstr(lo[k], 25), mpmath.nstr(hi[k], 25)))
                min_digits = min(min_digits, d)
        under = [k for k in KEYS if cls[k][0] == "underflow"]
        if any(k != "bias" for k in under):
            dropped.append((name, mu, s, under))
            continue
        vals = {k: (0.0 if cls[k][0] == "underflow" else to_double(lo[k])) for k in KEYS}
        for k in ("second_moment", "variance"):
            assert vals[k] >= 0, (name, mu, s, k)
        if under:
            flagged.append((name, mu, s))
        rows.append((name, mu, s, vals, under))

    elapsed = time.time() - t0
    print("points %d, rows %d, dropped %d (non-bias underflow), bias-underflow rows %d"
          % (len(pts), len(rows), len(dropped), len(flagged)), file=sys.stderr)
    print("min agreement dps %d vs %d: %.1f digits; %.1f s"
          % (WORK_DPS, CHECK_DPS, min_digits, elapsed), file=sys.stderr)
    for d in dropped:
        print("  dropped %s mu=%r s=%r (underflow: %s)" % d, file=sys.stderr)
    if write:
        write_swift(rows, dropped, min_digits)
        print("wrote %s (%d bytes)" % (os.path.relpath(OUT, REPO), os.path.getsize(OUT)),
              file=sys.stderr)
    return rows, dropped, min_digits


def write_swift(rows, dropped, min_digits):
    lines = []
    lines.append("// Generated by: python3 scripts/reference_moments.py")
    lines.append("// mpmath %s, Python %s. Do not edit by hand; rerun the script."
                 % (mpmath.__version__, ".".join(map(str, sys.version_info[:3]))))
    lines.append("//")
    lines.append("// X = mu + s*xi, xi ~ N(0,1). mean = E f(X), secondMoment = E f(X)^2,")
    lines.append("// variance = Var f(X), meanSlope = E f'(X), bias = E f(X) - f(mu).")
    lines.append("// f: linear x; relu max(x,0); softplus log(1+e^x); tanh; sigmoid 1/(1+e^-x);")
    lines.append("// hardtanh min(max(x,-1),1); erf erf(x/sqrt 2). relu'(x) = [x >= 0],")
    lines.append("// hardtanh'(x) = [-1 <= x < 1], erf'(x) = 2 phi(x).")
    lines.append("// mu and s are the exact doubles written; the moments are the exact values")
    lines.append("// for those doubles, rounded to nearest and printed with 17 significant digits.")
    lines.append("// Computed by Gauss-Legendre quadrature in xi over (-inf, inf) (mpmath's rule,")
    lines.append("// split at kinks, tails and scale changes) at %d digits (+%d guard); every"
                 % (WORK_DPS, GUARD_DPS))
    lines.append("// value was recomputed from scratch at %d digits and the two agree to"
                 % CHECK_DPS)
    lines.append("// >= %.0f significant digits (asserted >= %d)." % (math.floor(min_digits), AGREE_DIGITS))
    lines.append("// Exact zeros (by symmetry, not computed): bias of linear; bias of tanh,")
    lines.append("// sigmoid, hardtanh, erf at mu = 0, and their mean there except sigmoid's.")
    lines.append("// Underflow: a bias whose true magnitude is nonzero but < 1e-300 (far below any")
    lines.append("// double-precision roundoff) is written as 0 and marked `// bias underflows`.")
    lines.append("// Rows where any other quantity would underflow are omitted (%d points, e.g."
                 % len(dropped))
    lines.append("// relu at mu/s = -40, hardtanh deep in saturation at small s).")
    lines.append("")
    lines.append("/// Generated by scripts/reference_moments.py (mpmath, %d digits); do not edit." % WORK_DPS)
    lines.append("enum ReferenceMoments {")
    lines.append("  struct Row { let activation: String; let mu: Double; let s: Double; "
                 "let mean: Double; let secondMoment: Double; let variance: Double; "
                 "let meanSlope: Double; let bias: Double }")
    lines.append("")
    lines.append("  static let rows: [Row] = [")
    for name, mu, s, v, under in rows:
        line = ("    Row(activation: \"%s\", mu: %s, s: %s, mean: %s, secondMoment: %s, "
                "variance: %s, meanSlope: %s, bias: %s),"
                % (name, fmt(mu), fmt(s), fmt(v["mean"]), fmt(v["second_moment"]),
                   fmt(v["variance"]), fmt(v["mean_slope"]), fmt(v["bias"])))
        if under:
            line += "  // bias underflows"
        lines.append(line)
    lines.append("  ]")
    lines.append("}")
    with open(OUT, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compute and verify, do not write")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes")
    ap.add_argument("--point", nargs=3, metavar=("ACTIVATION", "MU", "S"),
                    help="print the moments at one point (both precisions)")
    a = ap.parse_args()
    if a.point:
        name, mu, s = a.point[0], float(a.point[1]), float(a.point[2])
        lo = moments(name, mu, s, WORK_DPS)
        hi = moments(name, mu, s, CHECK_DPS)
        for k in KEYS:
            print("%-14s %s   (dps %d: %s)" % (k, mpmath.nstr(lo[k], 30), CHECK_DPS,
                                             mpmath.nstr(hi[k], 30)))
        return
    run(write=not a.check, jobs=a.jobs)


if __name__ == "__main__":
    main()
