"""Every kind of LaTeX table fixedpoints writes must compile with pdflatex.

One document holds, each on its own page:

* `fixedpoints table --format latex` over each kind of JSON it reads: the
  committed `analyze` results of the two bundled models (one row per model,
  and one row per sigma_test with the models side by side), the committed
  `paradox` and `mechanism` results (results/), a fresh `moments --mc` and a
  fresh `verify --filter relu`, and a caption holding every LaTeX special
  character and the Unicode our reports print;
* the per-command `--format latex` tables: `analyze`, `moments`, `merge`
  (the paradox summary), `verify` and its `--list` (whose reasons are full
  of Unicode: μ, ≤, s², ‖w‖ …).

It is compiled with `pdflatex -halt-on-error -interaction=nonstopmode`; a
failure names the table that does not compile (each is then compiled on its
own). `test_a_broken_table_fails` shows the check can fail.

Needs FIXEDPOINTS_BIN (the release binary; `make test` sets it) and pdflatex
with booktabs and siunitx (`scripts/setup.sh` installs texlive-latex-
recommended and texlive-science when they are missing). Without pdflatex the
test is skipped with the reason, except under CI (CI=true), where set-up
should have installed it, so it fails.
"""

import os
import re
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS = os.path.join(REPO, "results")
BIN = os.environ.get("FIXEDPOINTS_BIN")
PREAMBLE = "\\documentclass{article}\n\\usepackage{booktabs,siunitx,amsmath}\n\\begin{document}\n"
HOSTILE = "All specials: # $ % & ~ _ ^ \\ { } < > | and σ_test ± 0.1, μ ≤ 2σ, x⁻¹ – done…"


def latex_missing():
    """The reason pdflatex cannot run the check, or None."""
    if shutil.which("pdflatex") is None:
        return "pdflatex is not installed (scripts/setup.sh installs texlive-latex-recommended)"
    for sty in ("siunitx.sty", "booktabs.sty", "amsmath.sty"):
        found = subprocess.run(["kpsewhich", sty], capture_output=True, text=True).stdout.strip()
        if not found:
            return f"{sty} is not installed (scripts/setup.sh installs texlive-science / texlive-latex-recommended)"
    return None


@pytest.fixture(scope="module")
def pdflatex():
    reason = latex_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI: {reason}; scripts/setup.sh should have installed it")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def fixedpoints():
    if not BIN or not os.path.exists(BIN):
        pytest.skip("FIXEDPOINTS_BIN is not set to the fixedpoints binary (make test sets it)")
    return BIN


def run(args, cwd=None):
    r = subprocess.run([BIN] + args, capture_output=True, text=True, cwd=cwd, timeout=600)
    # verify exits 1 when a check fails; its table is still a table to compile.
    assert r.returncode in (0, 1), f"fixedpoints {' '.join(args)} exited {r.returncode}: {r.stderr}"
    return r.stdout


def compile_document(tables, directory, name):
    """Writes the tables into one document and runs pdflatex; returns (ok, log)."""
    body = "\n\\clearpage\n".join(tables)
    path = os.path.join(directory, name + ".tex")
    with open(path, "w", encoding="utf-8") as f:
        f.write(PREAMBLE + body + "\n\\end{document}\n")
    r = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", name + ".tex"],
                       cwd=directory, capture_output=True, text=True, timeout=600)
    ok = r.returncode == 0 and os.path.exists(os.path.join(directory, name + ".pdf"))
    return ok, r.stdout[-3000:]


def all_tables(tmp):
    """(name, LaTeX) of every kind of table the tool writes."""
    bundled = [os.path.join(RESULTS, "bundled", f"function-relu-noise-{p}.json") for p in ("in", "out")]
    paradox = os.path.join(RESULTS, "paradox-function", "results.json")
    mechanism = os.path.join(RESULTS, "mechanism-function", "mechanism.json")
    for f in bundled + [paradox, mechanism]:
        assert os.path.exists(f), f"committed result {f} is missing (scripts/make_readme_tables.sh --regenerate)"
    moments = os.path.join(tmp, "moments.json")
    with open(moments, "w") as f:
        f.write(run(["moments", "--activation", "relu", "--mu", "0.3", "--sigma", "0.5", "--mc", "20000", "--json"]))
    verify = os.path.join(tmp, "verify.json")
    with open(verify, "w") as f:
        f.write(run(["verify", "--filter", "relu", "--json"]))
    t = ["table", "--format", "latex"]
    tables = [
        ("table: analyze, one row per model (the bundled models)",
         run(t + bundled + ["--caption", "Bundled models: noise-in vs noise-out", "--label", "tab:bundled"])),
        ("table: analyze, one row per sigma_test, models side by side",
         run(t + bundled + ["--rows", "sigma", "--columns", "sigma,readout,readout_closure,bias,z,output_error"])),
        ("table: analyze, every column",
         run(t + bundled + ["--columns", "model,task,noise,activation,hidden,sigma_train,sigma_test,optimum,readout,"
                            "readout_closure,readout_mean_field,readout_small_noise,bias,bias_closure,bias_mean_field,"
                            "bias_small_noise,z,output_error,output_error_closure,worst_z"])),
        ("table: paradox", run(t + [paradox])),
        ("table: paradox, one row per sigma_test", run(t + [paradox, "--rows", "sigma"])),
        ("table: mechanism", run(t + [mechanism, "--columns", "task,noise,sigma_train,seeds,optimum,optimum_predicted,agree,"
                                      "loss_at_zero,loss_at_zero_predicted,loss_at_train,loss_at_train_predicted,loss_agree,"
                                      "bias,bias_closure,bias_mean_field,near,distance_sd"])),
        ("table: moments with Monte Carlo",
         run(t + [moments, "--columns", "activation,mu,sigma,mean,second_moment,variance,mean_slope,bias,error_bound,"
                                        "method,samples,mc_mean,mc_variance,mc_bias"])),
        ("table: verify", run(t + [verify])),
        ("table: hostile caption", run(t + bundled + ["--caption", HOSTILE, "--label", "tab:hostile_1.2-x"])),
        ("analyze --format latex",
         run(["analyze", bundled[0].replace(os.path.join("results", "bundled"), "Data").replace(".json", ".ckpt"),
              "--sigma-test", "0,0.5", "--trajectories", "8", "--steps", "400", "--burn-in", "100", "--format", "latex"])),
        ("moments --format latex",
         run(["moments", "--activation", "tanh", "--mu", "0.3", "--sigma", "0.5", "--mc", "2000", "--format", "latex"])),
        ("merge --format latex (paradox summary)", run(["merge", paradox, "--format", "latex"])),
        ("verify --format latex", run(["verify", "--filter", "relu", "--format", "latex"])),
        ("verify --list --format latex", run(["verify", "--list", "--format", "latex"])),
    ]
    return tables


def test_every_table_compiles(pdflatex, fixedpoints, tmp_path):
    tables = all_tables(str(tmp_path))
    ok, log = compile_document([tex for _, tex in tables], str(tmp_path), "all")
    if not ok:
        failing = [name for i, (name, tex) in enumerate(tables)
                   if not compile_document([tex], str(tmp_path), f"one{i}")[0]]
        pytest.fail(f"pdflatex failed on: {failing or 'the document as a whole'}\n{log}")


def test_bundled_models_table_has_both_models_with_uncertainties(fixedpoints):
    """The paper table of the two bundled models: value(uncertainty), caption, label."""
    bundled = [os.path.join(RESULTS, "bundled", f"function-relu-noise-{p}.json") for p in ("in", "out")]
    tex = run(["table", "--format", "latex"] + bundled + ["--caption", "50% & more", "--label", "tab:b"])
    assert "\\caption{50\\% \\& more}" in tex
    assert "\\label{tab:b}" in tex
    rows = [line for line in tex.splitlines() if line.startswith("function-relu-noise-")]
    assert [r.split(" ")[0] for r in rows] == ["function-relu-noise-in", "function-relu-noise-out"]
    for r in rows:
        assert re.search(r"-?\d+\.\d+\(\d{1,2}\)", r), r


def test_a_broken_table_fails(pdflatex, tmp_path):
    """The check is not vacuous: an unescaped underscore in a cell stops pdflatex."""
    broken = ("\\begin{table}\\centering\\begin{tabular}{l S[table-format=1.4(1)]}\\toprule\n"
              "noise_in & 0.3757(7) \\\\\n\\bottomrule\\end{tabular}\\end{table}")
    ok, _ = compile_document([broken], str(tmp_path), "broken")
    assert not ok
