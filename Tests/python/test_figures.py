"""scripts/figures.py on real CLI output.

Runs `$FIXEDPOINTS_BIN analyze --out DIR` on the bundled model with small
ensembles, then `scripts/figures.py DIR`, and checks that every standard
figure exists as a non-empty PNG and PDF (by their magic bytes), that the
paths it prints are the files it wrote, and that a bare paradox results file
is refused with exit 2 and a message naming `merge`. Skipped when
FIXEDPOINTS_BIN is unset (make test sets it).
"""

import os
import subprocess
import sys

import pytest

pytest.importorskip("matplotlib", reason="scripts/figures.py needs matplotlib (scripts/setup.sh installs it)")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIGURES = os.path.join(REPO, "scripts", "figures.py")
BIN = os.environ.get("FIXEDPOINTS_BIN")
needs_bin = pytest.mark.skipif(not BIN, reason="FIXEDPOINTS_BIN is not set (make test sets it)")

ANALYZE_FIGURES = ["readout_vs_sigma", "bias_vs_sigma", "output_error_vs_sigma", "branch", "fixed_points_pca"]


def figures(*args):
    return subprocess.run([sys.executable, FIGURES, *map(str, args)], capture_output=True, text=True)


def small_analyze(model, out):
    subprocess.run([BIN, "analyze", os.path.join(REPO, "Data", model),
                    "--sigma-test", "0,0.25,0.5", "--trajectories", "8", "--steps", "300", "--burn-in", "50",
                    "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def analyze_dir(tmp_path_factory):
    return small_analyze("function-relu-noise-in.ckpt", tmp_path_factory.mktemp("analyze") / "in")


@needs_bin
def test_analyze_figures_written(analyze_dir, tmp_path):
    dest = tmp_path / "figs"
    p = figures(analyze_dir, "--out", dest)
    assert p.returncode == 0, p.stderr
    printed = set(p.stdout.split())
    for name in ANALYZE_FIGURES:
        for ext, magic in (("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-")):
            path = dest / f"{name}.{ext}"
            assert path.exists(), f"{path.name} not written"
            data = path.read_bytes()
            # A real figure, not an empty file: a matplotlib PNG/PDF of one axes is several kB.
            assert data.startswith(magic) and len(data) > 1000, f"{path.name}: {len(data)} bytes"
            assert str(path) in printed


@needs_bin
def test_default_destination_is_the_directory(analyze_dir):
    p = figures(analyze_dir)
    assert p.returncode == 0, p.stderr
    assert (analyze_dir / "readout_vs_sigma.png").stat().st_size > 0


@needs_bin
def test_two_models_compared(analyze_dir, tmp_path):
    other = small_analyze("function-relu-noise-out.ckpt", tmp_path / "out")
    p = figures(analyze_dir, other, "--out", tmp_path / "figs")
    assert p.returncode == 0, p.stderr
    for ext in ("png", "pdf"):
        assert (tmp_path / "figs" / f"bias_compare.{ext}").stat().st_size > 1000


def test_results_file_refused(tmp_path):
    # A paradox --out file has no seed averages; the script says how to get them.
    f = tmp_path / "r.json"
    f.write_text('{"format": "fixedpoints-paradox/1", "config": {}, "outcomes": [], "shard": "all"}')
    p = figures(f)
    assert p.returncode == 2
    assert "merge" in p.stderr and p.stderr.count("\n") == 1


def test_unknown_input_refused(tmp_path):
    f = tmp_path / "x.json"
    f.write_text('{"hello": 1}')
    p = figures(f)
    assert p.returncode == 2 and str(f) in p.stderr
    assert not list(tmp_path.glob("*.png"))
