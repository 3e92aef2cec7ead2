"""The README's shell blocks run as pasted, in order, on a fresh clone.

Each ```sh block of README.md is a step of one session: the blocks run in
order, in one working directory (a temporary copy of the repository's
Data/, nothing else), so a block may use what an earlier block wrote
(`results/`, `debiased.ckpt`) and nothing that no block writes.

Conventions in README.md (the README says so too):

- `<!-- ci: skip (reason) -->` on the line before a block skips it here,
  with the reason shown by pytest. Use it for blocks that take minutes or
  need what CI does not have (SLURM, a fuzzer, apt). The reason is required.
- `<!-- ci: output (...) -->` before a plain ``` block: every line of that
  block must appear in the standard output of the sh block before it, so
  the README's quoted output is what the command prints.

`swift run [-c release] fixedpoints` stands for the built binary: it is
replaced by FIXEDPOINTS_BIN (the release build `make test` made), so the
test does not rebuild the package. Nothing else is rewritten.

The static checks (every block is run or skipped with a reason, no block
calls a `fixedpoints` that is not on PATH, no `in|out` templates) run
without a binary, over Data/README.md too.
"""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("FIXEDPOINTS_BIN")
HAVE_BIN = bool(BIN) and os.path.exists(BIN)
# Per block; the short blocks take seconds on a quiet machine. Generous, since
# CI machines are shared: this bounds a hang, it does not time anything.
TIMEOUT = float(os.environ.get("FIXEDPOINTS_README_TIMEOUT", "300"))

FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*ci:\s*(skip|output)\s*(?:\((.*)\))?\s*-->\s*$")
SWIFT_RUN = re.compile(r"swift run (?:-c release )?fixedpoints\b")


class Block:
    def __init__(self, path, line, lang, text, marker, reason):
        self.path, self.line, self.lang, self.text = path, line, lang, text
        self.marker, self.reason = marker, reason

    @property
    def id(self):
        return f"{os.path.basename(self.path)}-line{self.line}"


def blocks(path):
    """Every fenced block of a Markdown file, with the ci marker before it."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(lines) and not FENCE.match(lines[j]):
            j += 1
        # The marker is the last non-blank line before the fence.
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mm = MARKER.match(lines[k].strip()) if k >= 0 else None
        out.append(Block(path, start + 1, lang, "\n".join(lines[start + 1:j]),
                         mm.group(1) if mm else None, (mm.group(2) or "").strip() if mm else None))
        i = j + 1
    return out


README = os.path.join(REPO, "README.md")
DATA_README = os.path.join(REPO, "Data", "README.md")
ALL = blocks(README)
SHELL = [b for b in ALL if b.lang == "sh"]


def commands(text):
    """The block's lines with continuations joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [ln.strip() for ln in joined.split("\n") if ln.strip() and not ln.strip().startswith("#")]


# MARK: static checks (no binary needed)

def test_every_skip_has_a_reason():
    for b in ALL:
        if b.marker == "skip":
            assert b.reason, f"README.md line {b.line}: `ci: skip` needs a reason in parentheses"
        if b.marker == "skip":
            assert b.lang == "sh", f"README.md line {b.line}: only sh blocks are run, so only they can be skipped"


def test_output_markers_follow_a_run_block():
    for n, b in enumerate(ALL):
        if b.marker == "output":
            assert b.lang == "", f"line {b.line}: an output block is a plain ``` block"
            prev = ALL[n - 1] if n else None
            assert prev is not None and prev.lang == "sh" and prev.marker != "skip", \
                f"line {b.line}: the block before an output block must be a run sh block"


@pytest.mark.parametrize("path", [README, DATA_README], ids=["README", "Data-README"])
def test_no_command_assumes_fixedpoints_on_path(path):
    """`fixedpoints` is not installed anywhere: a command starts with
    `swift run … fixedpoints`, the built binary, or a script."""
    for b in blocks(path):
        if b.lang not in ("sh", ""):
            continue
        for cmd in commands(b.text):
            words = cmd.replace("FIXEDPOINTS_BLAS=gslcblas ", "").split()
            assert words and words[0] != "fixedpoints", f"{path} line {b.line}: `{cmd}` assumes fixedpoints on PATH"


@pytest.mark.parametrize("path", [README, DATA_README], ids=["README", "Data-README"])
def test_no_templates(path):
    """`--noise in|out` and `…-in|out.ckpt` fail when pasted (a pipe)."""
    for b in blocks(path):
        if b.lang not in ("sh", ""):
            continue
        for cmd in commands(b.text):
            if SWIFT_RUN.search(cmd) or cmd.startswith(("scripts/", "python3", "benchmarks/")):
                assert "in|out" not in cmd, f"{path} line {b.line}: `{cmd}` is a template, not a command"


def test_model_ckpt_is_made_before_it_is_used():
    """Every checkpoint a block reads is bundled or written by an earlier
    block (or by the same block, on an earlier line)."""
    # Writers: -o/--out, `checkpoint convert IN OUT`, the converter
    # (`torch_to_ckpt.py IN OUT`, `python3 -m fixedpoints_io IN OUT`), and in
    # a python block `from_torch(…, "OUT")` / `save_ctrnn("OUT", …)`.
    writes = (r"(?:-o|--out)\s+(\S+\.ckpt)|convert\s+\S+\s+(\S+\.ckpt)"
              r"|(?:torch_to_ckpt\.py|fixedpoints_io)\s+\S+\s+(\S+\.ckpt)")
    written = set()
    for b in ALL:
        if b.lang == "python":
            written.update(re.findall(r"(?:from_torch|save_ctrnn)\([^)]*?[\"']([\w./-]+\.ckpt)[\"']", b.text))
            continue
        if b.lang != "sh":
            continue
        for cmd in commands(b.text):
            for m in re.finditer(writes, cmd):
                written.add(next(g for g in m.groups() if g))
            for path in re.findall(r"(?<![-\w/])([\w./-]+\.ckpt)\b", cmd):
                if path.startswith("Data/") or path in written or "$" in path or "*" in path:
                    continue
                if path in [next(g for g in m.groups() if g) for m in re.finditer(writes, cmd)]:
                    continue
                pytest.fail(f"README.md line {b.line}: `{cmd}` reads {path}, which no earlier block writes")


# MARK: running the blocks

@pytest.fixture(scope="module")
def workdir():
    d = tempfile.mkdtemp(prefix="readme-blocks-")
    shutil.copytree(os.path.join(REPO, "Data"), os.path.join(d, "Data"))
    # Blocks run from the repository's root: scripts/ (figures.py, the
    # converter) as they find it there.
    shutil.copytree(os.path.join(REPO, "scripts"), os.path.join(d, "scripts"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


OUTPUTS = {}


@pytest.mark.skipif(not HAVE_BIN, reason="FIXEDPOINTS_BIN is not set to a built binary")
@pytest.mark.parametrize("block", SHELL, ids=[b.id for b in SHELL])
def test_block_runs_as_pasted(block, workdir):
    if block.marker == "skip":
        pytest.skip(f"README.md line {block.line}: {block.reason}")
    script = SWIFT_RUN.sub('"$FIXEDPOINTS_BIN"', block.text)
    env = dict(os.environ, FIXEDPOINTS_BIN=os.path.abspath(BIN))
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=workdir, env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, f"README.md line {block.line} exited {r.returncode}:\n{block.text}\nstderr:\n{r.stderr[-2000:]}"
    OUTPUTS[block.line] = r.stdout


@pytest.mark.skipif(not HAVE_BIN, reason="FIXEDPOINTS_BIN is not set to a built binary")
@pytest.mark.parametrize("n", [n for n, b in enumerate(ALL) if b.marker == "output"],
                         ids=[b.id for b in ALL if b.marker == "output"])
def test_quoted_output_is_printed(n, workdir):
    """Runs after the blocks (pytest keeps definition order)."""
    source = ALL[n - 1]
    if source.line not in OUTPUTS:
        pytest.skip(f"the block at line {source.line} did not run")
    printed = OUTPUTS[source.line]
    for line in ALL[n].text.split("\n"):
        if line.strip():
            assert line in printed, f"README.md line {ALL[n].line}: not printed by the block at line {source.line}:\n{line}"
