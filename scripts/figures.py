#!/usr/bin/env python3
"""The standard figures, drawn from what the fixedpoints CLI writes.

    python3 scripts/figures.py RESULT [RESULT ...] [--out DIR]

Each RESULT is one of
  - an `analyze --out DIR` directory (report.json, noise_levels.csv,
    fixed_points.csv, branch.csv): readout, bias and output error against
    sigma_test, the mean-field branch, and the fixed points and branch in
    principal components; given two or more, also their biases on one plot
    (bias_compare, beside the first directory unless --out);
  - the JSON `paradox --json` or `merge FILE... --json` prints (keys
    results, summary, verdict): test loss against sigma_test per placement
    with one curve per sigma_train and standard-error bands, and the optimum
    against sigma_train. A bare results file (`paradox --out FILE`) has no
    seed averages; run `fixedpoints merge FILE --json > summary.json` first;
  - the JSON of `mechanism --json`: per-unit distance to the kink,
    pre-activations relative to it, each unit's share of the readout bias,
    and the measured against the closure-predicted loss curves;
  - the CSV of `stationary --density FILE.csv`: the 1-D stationary densities
    of every method on one plot;
  - one or more `stationary --json` outputs (one per sigma and activation):
    the noise-induced bias against sigma per activation, with the
    noise-averaged fixed point's (the mean-field; Eq. 21 for relu).

Figures go to --out (default: the analyze directory itself, or the input
file's directory) as NAME.png and NAME.pdf. Every number plotted is one the
CLI computed; the only arithmetic here is for display (a difference of two
printed values, a projection onto principal axes).
Needs numpy and matplotlib (Agg backend: no display).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections import defaultdict

import matplotlib

# Agg (no display) from the command line; inside a notebook the kernel's
# inline backend stays, so figures show there.
if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PLACEMENT_LABEL = {"in": "noise-in", "out": "noise-out"}


# MARK: - Reading what the CLI writes


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(s):
    """A CSV cell as a float; the CLI leaves a cell empty where a method has no value."""
    return float(s) if s not in ("", None) else math.nan


def load_analyze_dir(path):
    with open(os.path.join(path, "report.json")) as f:
        report = json.load(f)
    return {
        "report": report,
        "levels": read_csv(os.path.join(path, "noise_levels.csv")),
        "fixed_points": read_csv(os.path.join(path, "fixed_points.csv")),
        "branch": read_csv(os.path.join(path, "branch.csv")),
    }


def kind_of(path):
    """What a RESULT is, from its shape; raises ValueError naming the problem."""
    if os.path.isdir(path):
        if os.path.exists(os.path.join(path, "report.json")):
            return "analyze"
        raise ValueError(f"{path}: a directory without report.json (expected `analyze --out DIR`)")
    if path.endswith(".csv"):
        with open(path, newline="") as f:
            header = f.readline().strip()
        if header == "method,x,density":
            return "density"
        raise ValueError(f"{path}: CSV header {header!r}, expected 'method,x,density' (stationary --density)")
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, dict):
        if "summary" in data and "results" in data:
            return "paradox"
        if data.get("format", "").startswith("fixedpoints-paradox"):
            raise ValueError(
                f"{path}: a paradox results file has no seed averages; "
                f"run `fixedpoints merge {path} --json > summary.json` and plot summary.json")
        if "networks" in data and "cells" in data:
            return "mechanism"
        if "chain_mean" in data and "deterministic_fixed_points" in data:
            return "stationary"
    raise ValueError(f"{path}: not an output of analyze --out, paradox/merge --json, mechanism --json or stationary")


# MARK: - Saving


def beside(path):
    """The directory holding path, as the user spelled it ("paper/noise-in" -> "paper")."""
    return os.path.dirname(os.path.normpath(path)) or "."


def save(fig, out, name):
    """NAME.png (150 dpi) and NAME.pdf in out; returns both paths."""
    os.makedirs(out, exist_ok=True)
    paths = [os.path.join(out, f"{name}.png"), os.path.join(out, f"{name}.pdf")]
    # No creation date or software string: the same inputs give the same PDF bytes.
    fig.savefig(paths[0], dpi=150, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(paths[1], bbox_inches="tight", metadata={"CreationDate": None, "Producer": None, "Creator": None})
    plt.close(fig)
    return paths


# MARK: - analyze --out DIR


def levels_by_method(levels, output=0):
    """{method: (sigma, mean, se, variance)} arrays from noise_levels.csv's long format."""
    rows = defaultdict(list)
    for r in levels:
        if int(r["output"]) == output:
            rows[r["method"]].append(
                (num(r["sigma"]), num(r["readout_mean"]), num(r["readout_se"]), num(r["readout_variance"])))
    return {m: tuple(np.array(c) for c in zip(*sorted(v))) for m, v in rows.items()}


def plot_readout(ax, data, output=0):
    """Stationary readout against sigma_test: every method of noise_levels.csv."""
    report = data["report"]
    methods = levels_by_method(data["levels"], output)
    style = {
        "mean_field": dict(color="C2", ls="--", label="mean-field"),
        "small_noise": dict(color="C4", ls=":", label="small-noise"),
        "closure": dict(color="C1", ls="-", label="Gaussian closure"),
    }
    for m, kw in style.items():
        if m in methods:
            s, mean, _, _ = methods[m]
            ok = np.isfinite(mean)
            ax.plot(s[ok], mean[ok], **kw)
    markers = {"chain": ("o", "C0", "simulated (exact chain)"), "em": ("s", "C5", "Euler–Maruyama"),
               "milstein": ("^", "C6", "Milstein")}
    for m, (marker, color, label) in markers.items():
        if m in methods:
            s, mean, se, _ = methods[m]
            ax.errorbar(s, mean, yerr=se, fmt=marker, color=color, ms=4, capsize=2, label=label + " ± SE")
    fp = report["fixed_points"]
    ref = next((p for p in fp if p.get("reference")), fp[0] if fp else None)
    if ref is not None:
        ax.axhline(ref["readout"][output], color="0.5", lw=0.8, label="σ = 0 fixed point")
    target = report["model"].get("target")
    if target:
        ax.axhline(target[output], color="k", ls="-.", lw=0.8, label="target")
    ax.set_xlabel("σ_test")
    ax.set_ylabel(f"readout {output}" if report["model"]["outputs"] > 1 else "readout")
    ax.legend(fontsize=7)


def plot_bias(ax, data, output=0):
    """Noise-induced readout bias: simulated ± SE and the closure's."""
    levels = data["report"]["noise_levels"]
    s = np.array([l["sigma"] for l in levels])
    sim = np.array([l["bias"][output] for l in levels])
    se = np.array([l["simulated_se"][output] for l in levels])
    ax.errorbar(s, sim, yerr=se, fmt="o", ms=4, capsize=2, label="simulated ± SE")
    closure = [(l["sigma"], l["analytic_bias"][output]) for l in levels if l.get("analytic_bias")]
    if closure:
        ax.plot(*zip(*closure), color="C1", label="Gaussian closure")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xlabel("σ_test")
    ax.set_ylabel("readout bias (vs σ = 0 fixed point)")
    ax.legend(fontsize=7)


def plot_output_error(ax, data):
    """Output error E(z − target)² against sigma_test; None when the task is unknown."""
    report = data["report"]
    levels = [l for l in report["noise_levels"] if l.get("output_error") is not None]
    if not levels:
        return False
    s = [l["sigma"] for l in levels]
    ax.plot(s, [l["output_error"] for l in levels], "o-", ms=4, label="simulated")
    closure = [(l["sigma"], l["output_error_closure"]) for l in levels if l.get("output_error_closure") is not None]
    if closure:
        ax.plot(*zip(*closure), "--", color="C1", label="Gaussian closure")
    ax.axvline(report["model"]["sigma_train"], color="k", ls=":", lw=0.8, label="σ_train")
    if report.get("optimum_sigma") is not None:
        ax.axvline(report["optimum_sigma"], color="C3", lw=0.8, label="optimum (simulated)")
    ax.set_yscale("log")
    ax.set_xlabel("σ_test")
    ax.set_ylabel("output error E(z − target)²")
    ax.legend(fontsize=7)
    return True


def principal_axes(states, k=2):
    """Top-k principal axes of a set of states (rows), for display only."""
    x = np.asarray(states, dtype=float)
    centre = x.mean(axis=0)
    _, sv, vt = np.linalg.svd(x - centre, full_matrices=False)
    var = sv**2 / max((sv**2).sum(), 1e-300)
    return centre, vt[:k], var[:k]


def hidden_columns(rows):
    return sorted((c for c in rows[0] if c.startswith("h_")), key=lambda c: int(c[2:]))


def plot_states(ax, data, pcs=(0, 1)):
    """Fixed points (stable and saddles) and the mean-field branch projected on
    two principal components (pcs, 0-based) of the fixed points and branch
    states together (the CLI writes no trajectories, so the axes come from
    these states)."""
    fps, branch = data["fixed_points"], data["branch"]
    cols = hidden_columns(fps or branch)
    fp_h = np.array([[num(r[c]) for c in cols] for r in fps]) if fps else np.zeros((0, len(cols)))
    br_h = np.array([[num(r[c]) for c in cols] for r in branch]) if branch else np.zeros((0, len(cols)))
    both = np.vstack([fp_h, br_h])
    if len(both) < 2:
        return False
    k = max(pcs) + 1
    centre, axes, var = principal_axes(both, k)
    if len(axes) < k:  # fewer distinct states than components: pad with zero axes
        var = np.append(var, np.zeros(k - len(axes)))
        axes = np.vstack([axes, np.zeros((k - len(axes), axes.shape[1]))])
    axes, var = axes[list(pcs)], var[list(pcs)]
    # A branch of one point (a single sigma) is the fixed point itself.
    if len(br_h) >= 2:
        p = (br_h - centre) @ axes.T
        sig = [num(r["sigma"]) for r in branch]
        ax.plot(p[:, 0], p[:, 1], "-", color="0.6", lw=1, zorder=1)
        sc = ax.scatter(p[:, 0], p[:, 1], c=sig, cmap="viridis", s=18, zorder=2, label="mean-field branch")
        plt.colorbar(sc, ax=ax, label="σ (branch)")
    if len(fp_h):
        p = (fp_h - centre) @ axes.T
        stable = np.array([r["stable"] == "true" for r in fps])
        ax.scatter(p[stable, 0], p[stable, 1], marker="o", s=50, facecolor="C0", edgecolor="k", zorder=3,
                   label="stable fixed point")
        if (~stable).any():
            ax.scatter(p[~stable, 0], p[~stable, 1], marker="x", s=40, color="C3", zorder=3, label="saddle / unstable")
    ax.set_xlabel(f"PC {pcs[0] + 1} ({100 * var[0]:.0f}% of variance)")
    ax.set_ylabel(f"PC {pcs[1] + 1} ({100 * var[1]:.0f}%)")
    ax.legend(fontsize=7)
    return True


def plot_branch(ax, data, output=0):
    """Readout and spectral radius along the mean-field branch."""
    branch = data["branch"]
    s = [num(r["sigma"]) for r in branch]
    ax.plot(s, [num(r[f"readout_{output}"]) for r in branch], "o-", ms=3, color="C2", label="readout")
    ax.set_xlabel("σ")
    ax.set_ylabel("mean-field readout", color="C2")
    twin = ax.twinx()
    twin.plot(s, [num(r["spectral_radius"]) for r in branch], "s--", ms=3, color="C3")
    twin.set_ylabel("spectral radius", color="C3")
    end = data["report"]["branch"].get("end_reason")
    if end:
        ax.set_title(f"branch ends: {end}", fontsize=7)


def analyze_figures(path, out=None):
    data = load_analyze_dir(path)
    out = out or path
    m = data["report"]["model"]
    title = f"{os.path.basename(m['path'])}: {m['hidden']} {m['activation']} units, noise-{m['noise']}, σ_train = {m['sigma_train']}"
    written = []
    for o in range(m["outputs"]):
        suffix = f"_{o}" if m["outputs"] > 1 else ""
        fig, ax = plt.subplots(figsize=(5, 3.6))
        plot_readout(ax, data, o)
        ax.set_title(title, fontsize=8)
        written += save(fig, out, "readout_vs_sigma" + suffix)
        fig, ax = plt.subplots(figsize=(5, 3.6))
        plot_bias(ax, data, o)
        ax.set_title(title, fontsize=8)
        written += save(fig, out, "bias_vs_sigma" + suffix)
    fig, ax = plt.subplots(figsize=(5, 3.6))
    if plot_output_error(ax, data):
        ax.set_title(title, fontsize=8)
        written += save(fig, out, "output_error_vs_sigma")
    else:
        plt.close(fig)
    if data["branch"]:
        fig, ax = plt.subplots(figsize=(5, 3.6))
        plot_branch(ax, data)
        written += save(fig, out, "branch")
    fig, ax = plt.subplots(figsize=(5, 4))
    if plot_states(ax, data):
        ax.set_title(title, fontsize=8)
        written += save(fig, out, "fixed_points_pca")
    else:
        plt.close(fig)
    return written


def compare_figures(paths, out=None):
    """Several analyze directories on one plot: the readout bias against
    sigma_test of each (simulated ± SE, closure dashed), e.g. noise-in
    against noise-out. Written to out, default the first directory's parent."""
    out = out or beside(paths[0])
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    for i, path in enumerate(paths):
        report = load_analyze_dir(path)["report"]
        m = report["model"]
        levels = report["noise_levels"]
        s = [l["sigma"] for l in levels]
        label = f"{os.path.basename(m['path'])} (noise-{m['noise']}, σ_train = {m['sigma_train']:g})"
        ax.errorbar(s, [l["bias"][0] for l in levels], yerr=[l["simulated_se"][0] for l in levels], fmt="o",
                    color=f"C{i}", ms=4, capsize=2, label=label)
        closure = [(l["sigma"], l["analytic_bias"][0]) for l in levels if l.get("analytic_bias")]
        if closure:
            ax.plot(*zip(*closure), "--", color=f"C{i}", lw=1)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xlabel("σ_test")
    ax.set_ylabel("readout bias")
    ax.set_title("points: simulated ± SE; dashed: Gaussian closure", fontsize=8)
    ax.legend(fontsize=6)
    return save(fig, out, "bias_compare")


# MARK: - paradox / merge --json


def plot_paradox_curves(axes, summary, predicted=None):
    """Test loss against sigma_test, one panel per placement, one curve per
    sigma_train with its standard-error band (across seeds). `predicted`:
    optional {(noise, sigma_train): [curve, ...]}, each curve a list of
    (sigma_test, loss), drawn dashed (see predicted_curves)."""
    sigma_test = np.array(summary["results"]["config"]["sigma_test"])
    rows = summary["summary"]
    placements = [p for p in summary["results"]["config"]["placements"]]
    trains = sorted({r["sigma_train"] for r in rows})
    cmap = plt.get_cmap("viridis")
    colors = {s: cmap(i / max(len(trains) - 1, 1) * 0.9) for i, s in enumerate(trains)}
    for ax, p in zip(axes, placements):
        for r in (r for r in rows if r["noise"] == p):
            mean, se = np.array(r["mean_loss"]), np.array(r["standard_error"])
            c = colors[r["sigma_train"]]
            ax.plot(sigma_test, mean, "-", color=c, lw=1.5, label=f"σ_train = {r['sigma_train']:g}")
            ax.fill_between(sigma_test, np.maximum(mean - se, 1e-12), mean + se, color=c, alpha=0.25, lw=0)
            ax.plot([r["best_sigma_test"]], [r["loss_at_best"]], "o", color=c, ms=5, mec="k", mew=0.6)
            for curve in (predicted or {}).get((p, r["sigma_train"]), []):
                ax.plot(*zip(*curve), "--", color=c, lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("σ_test")
        ax.set_title(PLACEMENT_LABEL.get(p, p))
    axes[0].set_ylabel("test loss (mean ± SE over seeds)")
    axes[0].plot([], [], "o", color="0.7", mec="k", mew=0.6, label="lowest loss")
    axes[0].legend(fontsize=7)


def predicted_curves(mech):
    """mechanism --json's closure-predicted loss curves, one per network,
    keyed by (noise, sigma_train) for plot_paradox_curves; a sigma_test where
    the closure failed (null) becomes NaN, a gap in the line."""
    curves = defaultdict(list)
    for n in mech["networks"]:
        curves[cell_key(n)].append(
            [(s, math.nan if v is None else v) for s, v in zip(n["sigma_test"], n["predicted_loss"])])
    return dict(curves)


def plot_paradox_optimum(ax, summary):
    """Best sigma_test against sigma_train per placement, with the diagonal."""
    rows = summary["summary"]
    lim = max([r["sigma_train"] for r in rows] + summary["results"]["config"]["sigma_test"])
    ax.plot([0, lim], [0, lim], color="0.6", lw=0.8, label="σ_test = σ_train")
    for i, p in enumerate(summary["results"]["config"]["placements"]):
        pts = sorted((r["sigma_train"], r["best_sigma_test"]) for r in rows if r["noise"] == p)
        if pts:
            ax.plot(*zip(*pts), "o-" if p == "in" else "s--", color=f"C{i}", label=PLACEMENT_LABEL.get(p, p))
    ax.set_xlabel("σ_train")
    ax.set_ylabel("best σ_test")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(fontsize=7)


def paradox_caption(summary):
    c = summary["results"]["config"]
    return (f"{c['task']}, {c['hidden']} {c['activation']} units, {c['iterations']} iterations, "
            f"{len(c['seeds'])} seed(s), {c['evaluation_trials']} test trials × {c['evaluation_repeats']} noise samples")


def paradox_figures(path, out=None, summary=None):
    if summary is None:
        with open(path) as f:
            summary = json.load(f)
    out = out or beside(path)
    placements = summary["results"]["config"]["placements"]
    fig, axes = plt.subplots(1, len(placements), figsize=(4.2 * len(placements), 3.6), sharey=True, squeeze=False)
    plot_paradox_curves(list(axes[0]), summary)
    fig.suptitle(paradox_caption(summary), fontsize=8)
    written = save(fig, out, "paradox_curves")
    fig, ax = plt.subplots(figsize=(3.8, 3.6))
    plot_paradox_optimum(ax, summary)
    ax.set_title(paradox_caption(summary), fontsize=6)
    written += save(fig, out, "paradox_optimum")
    return written


# MARK: - mechanism --json


def cell_key(n):
    return (n["noise"], n["sigma_train"])


def plot_distance(axes, mech):
    """Per-unit distance of the pre-activation to the nonlinearity, in sd, per
    placement, one histogram per sigma_train (pooled over seeds)."""
    trains = sorted({n["sigma_train"] for n in mech["networks"]})
    cmap = plt.get_cmap("viridis")
    # A network whose closure failed at sigma_train has no per-unit distances.
    all_d = [u["distance_in_sd"] for n in mech["networks"] for u in n["units"] if "distance_in_sd" in u]
    hi = max(all_d + [1.0])
    bins = np.linspace(0, min(hi, 30), 31)
    for ax, p in zip(axes, ("in", "out")):
        for i, s in enumerate(trains):
            d = [u["distance_in_sd"] for n in mech["networks"] if cell_key(n) == (p, s) for u in n["units"]
                 if "distance_in_sd" in u]
            if d:
                ax.hist(np.minimum(d, bins[-1]), bins=bins, histtype="step", lw=1.5,
                        color=cmap(i / max(len(trains) - 1, 1) * 0.9), label=f"σ_train = {s:g}")
        ax.axvline(1, color="k", ls=":", lw=0.8, label="1 sd (\"near\")")
        ax.set_xlabel("|μ − kink| / s per unit (at σ_train)")
        ax.set_title(PLACEMENT_LABEL[p])
    axes[0].set_ylabel("units")
    axes[0].legend(fontsize=7)


def plot_preactivation(axes, mech):
    """Each unit's pre-activation mean and sd at sigma_train, relative to the
    kink at 0 (relu): points between the lines lie within 1 sd of it."""
    trains = sorted({n["sigma_train"] for n in mech["networks"]})
    cmap = plt.get_cmap("viridis")
    for ax, p in zip(axes, ("in", "out")):
        smax = 0.0
        for i, s in enumerate(trains):
            units = [u for n in mech["networks"] if cell_key(n) == (p, s) for u in n["units"]
                     if "preactivation_sd" in u]
            if units:
                sd = [u["preactivation_sd"] for u in units]
                smax = max(smax, max(sd))
                ax.scatter([u["preactivation_mean"] for u in units], sd, s=8, alpha=0.7,
                           color=cmap(i / max(len(trains) - 1, 1) * 0.9), label=f"σ_train = {s:g}")
        ax.plot([0, smax], [0, smax], "k:", lw=0.8)
        ax.plot([0, -smax], [0, smax], "k:", lw=0.8)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlabel("pre-activation mean μ (kink at 0)")
        ax.set_title(PLACEMENT_LABEL[p])
    axes[0].set_ylabel("pre-activation sd s")
    axes[0].legend(fontsize=7)


def plot_bias_share(axes, mech, seed):
    """Each unit's contribution W_out,i·shift_i to the readout bias at
    sigma_train, sorted by size: one panel per (placement, sigma_train) of one
    seed; axes is a grid with a row per placement and a column per sigma_train."""
    placements = sorted({n["noise"] for n in mech["networks"]})
    trains = sorted({n["sigma_train"] for n in mech["networks"]})
    for i, p in enumerate(placements):
        for j, s in enumerate(trains):
            ax = axes[i][j]
            n = next((n for n in mech["networks"] if cell_key(n) == (p, s) and n["seed"] == seed), None)
            if n is None:
                ax.axis("off")
                continue
            c = np.array([u["readout_bias_contribution"][0] for u in n["units"]])
            order = np.argsort(-np.abs(c))
            ax.bar(np.arange(len(c)), c[order], color=np.where(c[order] >= 0, "C0", "C3"))
            ax.axhline(0, color="k", lw=0.6)
            closure = (f"closure bias {n['closure_bias'][0]:+.3g}" if n.get("closure_bias")
                       else "closure failed at σ_train")
            ax.set_title(f"{PLACEMENT_LABEL[p]}, σ_train = {s:g}, seed {seed}\n"
                         f"{closure}; 80% in {n['units_carrying80_percent']} units", fontsize=7)
            ax.tick_params(labelsize=7)
            if i == len(placements) - 1:
                ax.set_xlabel("unit (by |share|)", fontsize=7)
            if j == 0:
                ax.set_ylabel("W_out,i · shift_i", fontsize=7)


def plot_mechanism_loss(axes, mech):
    """Measured test-loss curve (paradox) against the closure's predicted
    stationary loss, every network; one panel per placement."""
    trains = sorted({n["sigma_train"] for n in mech["networks"]})
    cmap = plt.get_cmap("viridis")
    for ax, p in zip(axes, ("in", "out")):
        for n in (n for n in mech["networks"] if n["noise"] == p):
            c = cmap(trains.index(n["sigma_train"]) / max(len(trains) - 1, 1) * 0.9)
            first = n["seed"] == min(m["seed"] for m in mech["networks"])
            ax.errorbar(n["sigma_test"], n["measured_loss"], yerr=n["measured_standard_error"], fmt="-", color=c,
                        lw=1, label=f"σ_train = {n['sigma_train']:g}" if first else None)
            # null where the closure failed at that sigma_test: a gap in the line.
            predicted = [math.nan if v is None else v for v in n["predicted_loss"]]
            ax.plot(n["sigma_test"], predicted, "--", color=c, lw=1)
        ax.set_yscale("log")
        ax.set_xlabel("σ_test")
        ax.set_title(f"{PLACEMENT_LABEL[p]}: measured (solid) vs closure (dashed)", fontsize=8)
    axes[0].set_ylabel("test loss")
    axes[0].legend(fontsize=7)


def mechanism_figures(path, out=None, mech=None):
    if mech is None:
        with open(path) as f:
            mech = json.load(f)
    out = out or beside(path)
    written = []
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), sharey=True)
    plot_distance(axes, mech)
    written += save(fig, out, "mechanism_distance")
    if mech.get("activation") == "relu":
        fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.6), sharey=True)
        plot_preactivation(axes, mech)
        written += save(fig, out, "mechanism_preactivation")
    seed = min(n["seed"] for n in mech["networks"])
    rows = len({n["noise"] for n in mech["networks"]})
    cols = len({n["sigma_train"] for n in mech["networks"]})
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    plot_bias_share(axes, mech, seed)
    fig.tight_layout()
    written += save(fig, out, "mechanism_bias_share")
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), sharey=True)
    plot_mechanism_loss(axes, mech)
    written += save(fig, out, "mechanism_loss")
    return written


# MARK: - stationary


def plot_density(ax, rows):
    """The stationary densities of stationary --density, one line per method."""
    by = defaultdict(list)
    for r in rows:
        by[r["method"]].append((num(r["x"]), num(r["density"])))
    style = {
        "chain": dict(color="k", lw=2, label="exact chain (transfer operator)"),
        "fokker_planck": dict(color="C1", ls="--", lw=1.5, label="Fokker–Planck (diffusion approx.)"),
        "chain_ensemble": dict(color="C0", drawstyle="steps-mid", lw=1, label="chain ensemble (histogram)"),
        "em": dict(color="C2", drawstyle="steps-mid", lw=1, label="Euler–Maruyama (histogram)"),
        "milstein": dict(color="C3", drawstyle="steps-mid", lw=1, ls=":", label="Milstein (histogram)"),
    }
    for m, pts in by.items():
        pts.sort()
        ax.plot(*zip(*pts), **style.get(m, dict(label=m)))
    ax.set_xlabel("x")
    ax.set_ylabel("stationary density")
    ax.legend(fontsize=7)


def density_figures(path, out=None):
    out = out or beside(path)
    fig, ax = plt.subplots(figsize=(5, 3.6))
    plot_density(ax, read_csv(path))
    return save(fig, out, "stationary_density")


def plot_stationary_bias(ax, runs):
    """Noise-induced bias against sigma per activation: the chain's (transfer
    operator) and the noise-averaged fixed point's (mean-field; Eq. 21 for
    relu), both relative to the deterministic fixed point."""
    by = defaultdict(list)
    for r in runs:
        by[(r["activation"], r["noise"], r["w"], r["b"])].append(r)
    for i, (key, rs) in enumerate(sorted(by.items())):
        rs.sort(key=lambda r: r["sigma"])
        s = [r["sigma"] for r in rs]
        c = f"C{i}"
        ax.errorbar(s, [r["bias"] for r in rs], yerr=[r["chain_mean_error"] for r in rs], fmt="o", color=c, ms=4,
                    capsize=2, label=f"{key[0]} (w = {key[2]:g}, b = {key[3]:g}): chain")
        # The CLI's bias is chain mean − nearest deterministic fixed point; the
        # mean-field counterpart is the same difference for the noise-averaged
        # fixed point (stationary --json has no field for it yet).
        mf = []
        for r in rs:
            x0 = min((p["x"] for p in r["deterministic_fixed_points"]), key=lambda x: abs(x - r["chain_mean"]))
            mf.append(r["noise_averaged_fixed_point"] - x0 if r.get("noise_averaged_fixed_point") is not None else math.nan)
        ax.plot(s, mf, "-", color=c, lw=1, label=f"{key[0]}: noise-averaged fixed point" + (" (Eq. 21)" if key[0] == "relu" else ""))
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xlabel("σ")
    ax.set_ylabel("stationary bias E x − x*")
    ax.legend(fontsize=6)


def stationary_figures(paths, out=None):
    runs = []
    for p in paths:
        with open(p) as f:
            runs.append(json.load(f))
    out = out or beside(paths[0])
    fig, ax = plt.subplots(figsize=(5, 3.6))
    plot_stationary_bias(ax, runs)
    return save(fig, out, "stationary_bias")


# MARK: - Command line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", help="analyze --out directories, paradox/merge/mechanism/stationary JSON, stationary --density CSV")
    parser.add_argument("--out", help="directory for the figures (default: beside each input)")
    args = parser.parse_args(argv)
    try:
        kinds = [(p, kind_of(p)) for p in args.results]
    except (OSError, ValueError) as e:
        print(f"figures.py: {e}", file=sys.stderr)
        return 2
    written = []
    stationary = [p for p, k in kinds if k == "stationary"]
    analyzed = [p for p, k in kinds if k == "analyze"]
    for p, k in kinds:
        if k == "analyze":
            written += analyze_figures(p, args.out)
        elif k == "paradox":
            written += paradox_figures(p, args.out)
        elif k == "mechanism":
            written += mechanism_figures(p, args.out)
        elif k == "density":
            written += density_figures(p, args.out)
    if stationary:
        written += stationary_figures(stationary, args.out)
    if len(analyzed) >= 2:
        written += compare_figures(analyzed, args.out)
    for w in written:
        print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
