"""Black-box fuzzing of the fixedpoints CLI: hostile inputs, checked contract.

Each run happens in a fresh temporary directory as its working directory,
under resource limits (address space, file size, CPU) so that a run asking
for 80 GB fails inside its own process instead of taking the machine down.

Inputs:
* mutated checkpoints (bit flips, truncation, header-length edits, header
  JSON edits: huge/negative/zero dims, bad offsets and dtypes, BOM, duplicate
  keys, metadata values such as nan/inf/-1, non-finite weights) fed to
  `checkpoint inspect` and to a small `analyze`;
* extreme values (±0, denormals, 1e308, nan, ±inf, huge and negative
  integers, empty strings, ...) for the numeric options of moments,
  stationary, simulate, analyze, train and paradox;
* output paths that must not be clobbered: a directory with content, a FIFO,
  a symbolic link to a file, a missing directory.

Contract checked for every run (what a user may rely on):
* exit status 0 or 2 — never a signal, never 1 (only `verify` may exit 1,
  and it is not fuzzed here);
* on exit 2, stderr is exactly one line;
* on exit 0, stdout has no NaN or infinity (a non-finite result must be an
  error, or a documented exact limit printed as a number);
* no file is left in the working directory except the requested output
  (and that only on success); things that were there are unchanged unless
  the requested output was a regular file;
* the run finishes within FIXEDPOINTS_FUZZ_RUN_TIMEOUT seconds. This is a
  hang detector, not a speed test: the options' documented bounds admit
  legitimate runs of tens of seconds on a loaded 2-core machine (e.g.
  `analyze --trajectories 100000`), so the limit is far above them.

Environment: FIXEDPOINTS_BIN (the binary; the test is skipped without it),
FIXEDPOINTS_FUZZ_SECONDS (total budget, default 60), FIXEDPOINTS_FUZZ_SEED
(default 1), FIXEDPOINTS_FUZZ_RUN_TIMEOUT (default 90 s),
FIXEDPOINTS_FUZZ_SUMMARY (where to write the JSON summary; default in the
system temporary directory).

The fuzzer runs once and collects every violation, writes them to the
summary and prints the first reproducers. Two tests read the result:
`test_cli_fuzz_inputs` (options, checkpoints, the bug report's reproducers)
is strict, and so is `test_cli_fuzz_output_paths` (outputs at directories,
FIFOs, symbolic links, '', '.', 'dir/').
"""

import json
import os
import random
import re
import resource
import shlex
import shutil
import signal
import stat
import struct
import subprocess
import tempfile
import time

import pytest

BIN = os.environ.get("FIXEDPOINTS_BIN")
BUDGET = float(os.environ.get("FIXEDPOINTS_FUZZ_SECONDS", "60"))
SEED = int(os.environ.get("FIXEDPOINTS_FUZZ_SEED", "1"))
RUN_TIMEOUT = float(os.environ.get("FIXEDPOINTS_FUZZ_RUN_TIMEOUT", "90"))
SUMMARY = os.environ.get(
    "FIXEDPOINTS_FUZZ_SUMMARY", os.path.join(tempfile.gettempdir(), "fixedpoints-fuzz-summary.json"))

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECKPOINTS = [os.path.join(REPO, "Data", p) for p in (
    "function-relu-noise-in.ckpt", "function-relu-noise-out.ckpt",
    os.path.join("numpy", "function-relu-noise-in.ckpt"))]

# Limits per run. 3 GiB of address space is far above what any small run
# here needs and far below the machine; output files stop at 64 MiB.
ADDRESS_SPACE = 3 << 30
FILE_SIZE = 64 << 20
STDOUT_KEEP = 1 << 20  # bytes of stdout read back for the NaN check

REALS = ["0", "-0", "5e-324", "-5e-324", "2.2250738585072014e-308", "1e-300", "1e-70", "1e300",
         "1e308", "-1e308", "1.7976931348623157e308", "1e999", "nan", "-nan", "NaN", "inf", "-inf",
         "Infinity", "", " ", "1e", "0x1p3", "1,2", "--", "-1"]
INTEGERS = ["0", "-1", "-0", "1", "2", "9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "4294967296", "100000", "1000000000", "", "1.5", "1e3", "nan",
            "0x10", "+3"]

# Commands with a quick base invocation and their numeric options
# (option -> "real" or "int"). Sizes in the base lines keep each run small
# so that one mutated option is what makes a run expensive, if anything.
QUICK_ANALYZE = ["--trajectories", "4", "--steps", "200", "--burn-in", "20", "--starts", "2",
                 "--sigma-test", "0,0.1", "--threads", "1"]
COMMANDS = {
    "moments": (["moments", "--activation", "{activation}", "--mu", "0.3", "--sigma", "0.5"],
                {"--mu": "real", "--sigma": "real", "--mc": "int", "--seed": "int"}),
    "stationary": (["stationary", "--trajectories", "4", "--steps", "100", "--burn-in", "10",
                    "--cells", "16"],
                   {"--w": "real", "--b": "real", "--sigma": "real", "--dt": "real", "--tau": "real",
                    "--trajectories": "int", "--steps": "int", "--burn-in": "int", "--seed": "int",
                    "--cells": "int"}),
    "simulate": (["simulate", "--trajectories", "2", "--steps", "10"],
                 {"--w": "real", "--b": "real", "--sigma": "real", "--dt": "real", "--tau": "real",
                  "--trajectories": "int", "--steps": "int", "--every": "int", "--x0": "real",
                  "--seed": "int"}),
    "analyze": (["analyze", "{checkpoint}"] + QUICK_ANALYZE,
                {"--sigma-test": "real", "--input": "real", "--trajectories": "int",
                 "--steps": "int", "--burn-in": "int", "--starts": "int", "--slow-points": "real",
                 "--seed": "int", "--threads": "int"}),
    "train": (["train", "--hidden", "4", "--steps", "2", "--batch", "2", "--trial-steps", "5",
               "-o", "m.ckpt"],
              {"--hidden": "int", "--steps": "int", "--batch": "int", "--trial-steps": "int",
               "--lr": "real", "--clip": "real", "--dt": "real", "--tau": "real", "--sigma": "real",
               "--seed": "int"}),
    "paradox": (["paradox", "--hidden", "4", "--steps", "2", "--batch", "2", "--trial-steps", "5",
                 "--sigma-train", "0", "--sigma-test", "0", "--seeds", "1", "--eval-trials", "4",
                 "--eval-repeats", "2", "--noise", "in", "--jobs", "1"],
                {"--hidden": "int", "--steps": "int", "--batch": "int", "--trial-steps": "int",
                 "--lr": "real", "--clip": "real", "--dt": "real", "--tau": "real",
                 "--sigma-train": "real", "--sigma-test": "real", "--seeds": "int",
                 "--eval-trials": "int", "--eval-repeats": "int", "--jobs": "int"}),
}
ACTIVATIONS = ["linear", "relu", "softplus", "tanh", "sigmoid", "hardtanh", "erf"]
# Options naming an output, per command: (option, is a directory).
OUTPUTS = {"simulate": ("--out", False), "stationary": ("--density", False),
           "analyze": ("--out", True), "train": ("-o", False), "paradox": ("--out", False)}

NONFINITE = re.compile(r"(?<![A-Za-z_])(-?nan|[-+]?inf(inity)?)(?![A-Za-z_])", re.IGNORECASE)


def limit_resources():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE, FILE_SIZE))
    cpu = int(RUN_TIMEOUT * 2) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# MARK: checkpoint mutations

def split_checkpoint(data):
    n = struct.unpack("<Q", data[:8])[0]
    return n, data[8:8 + n], data[8 + n:]


def join_checkpoint(header_bytes, body, length=None):
    return struct.pack("<Q", len(header_bytes) if length is None else length) + header_bytes + body


def header_edit(rng, data):
    """One structural edit of the JSON header; returns (bytes, description)."""
    n, header, body = split_checkpoint(data)
    h = json.loads(header)
    tensors = [k for k in h if k != "__metadata__"]
    name = rng.choice(tensors)
    t = h[name]
    kind = rng.choice(["huge-dims", "negative-dim", "zero-dim", "offsets", "dtype", "drop-tensor",
                       "metadata", "duplicate-key", "bom", "extra-dims", "non-utf8", "nesting"])
    if kind == "huge-dims":
        t["shape"] = rng.choice([[2**31, 2**31], [10**12, 1], [2**62, 4], [2**64, 1],
                                 [100000, 100000], [3037000500, 3037000500]])
    elif kind == "negative-dim":
        t["shape"] = [-1] + t["shape"][1:]
    elif kind == "zero-dim":
        t["shape"] = [0] * len(t["shape"])
    elif kind == "offsets":
        a, b = t["data_offsets"]
        t["data_offsets"] = rng.choice([[b, a], [a, b + 8], [a, 2**63], [-8, b], [a, a], [0, len(body) + 8],
                                        [a + 1, b + 1], [a, 1.5]])
    elif kind == "dtype":
        t["dtype"] = rng.choice(["F32", "F16", "BF16", "I64", "U8", "BOOL", "F128", "", "f64", 64])
    elif kind == "drop-tensor":
        del h[name]
    elif kind == "metadata":
        meta = h.setdefault("__metadata__", {})
        key = rng.choice(list(meta.keys()) + ["activation", "noise", "dt", "tau", "sigma_train"])
        meta[key] = rng.choice(["nan", "inf", "-inf", "-1", "0", "1e308", "5e-324", "", "nope",
                                "9223372036854775808", "\u0000", "relu\n", "1" * 400])
    elif kind == "extra-dims":
        t["shape"] = t["shape"] + [1, 1]
    if kind == "duplicate-key":
        text = json.dumps(h)
        # A second copy of the tensor's entry with other offsets: a reader
        # must refuse the file or pick one deterministically.
        dup = dict(t, data_offsets=[0, 8], shape=[1])
        text = text[:-1] + ", " + json.dumps(name) + ": " + json.dumps(dup) + "}"
        new = text.encode()
    elif kind == "bom":
        new = b"\xef\xbb\xbf" + json.dumps(h).encode()
    elif kind == "non-utf8":
        new = json.dumps(h).encode().replace(b"relu", b"rel\xff", 1)
        if new == json.dumps(h).encode():
            new = b"\xff" + new
    elif kind == "nesting":
        new = (b"[" * 100000) + (b"]" * 100000)
    else:
        new = json.dumps(h).encode()
    return join_checkpoint(new, body), f"header {kind} on {name}"


def mutate_checkpoint(rng, data):
    kind = rng.choice(["bit-flips", "header-bit-flips", "truncate", "length-field", "header-edit",
                       "header-edit", "header-edit", "nonfinite-weights", "empty", "append"])
    if kind == "bit-flips" or kind == "header-bit-flips":
        b = bytearray(data)
        n = struct.unpack("<Q", data[:8])[0]
        hi = min(len(b), 8 + n) if kind == "header-bit-flips" else len(b)
        flips = rng.randint(1, 8)
        for _ in range(flips):
            i = rng.randrange(hi)
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b), f"{kind} x{flips}"
    if kind == "truncate":
        cut = rng.choice([0, 1, 7, 8, 9, rng.randrange(len(data)), len(data) - 1])
        return data[:cut], f"truncate to {cut} bytes"
    if kind == "length-field":
        n, header, body = split_checkpoint(data)
        value = rng.choice([0, 1, n - 1, n + 1, len(data), 2**63 - 1, 2**64 - 1, 2**32, 100 * 1024 * 1024])
        return struct.pack("<Q", value) + data[8:], f"header length field = {value}"
    if kind == "header-edit":
        return header_edit(rng, data)
    if kind == "nonfinite-weights":
        n, header, body = split_checkpoint(data)
        b = bytearray(body)
        value = rng.choice([float("nan"), float("inf"), -float("inf"), 1e308, 5e-324, 1e200])
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b) // 8) * 8
            b[i:i + 8] = struct.pack("<d", value)
        return join_checkpoint(header, bytes(b)), f"weights set to {value}"
    if kind == "empty":
        return b"", "empty file"
    return data + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))), "trailing bytes"


# MARK: one run

class Run:
    def __init__(self, args, description, output=None, output_is_dir=False, fixtures=None, checkpoint=None,
                 scope="inputs"):
        self.args = args                  # argv after the binary
        self.scope = scope                # "inputs" or "output-paths" (which test asserts on it)
        self.description = description
        self.output = output              # requested output name in the cwd, or None
        self.output_is_dir = output_is_dir
        self.fixtures = fixtures or {}    # name -> "dir" | "fifo" | ("file", text) | ("link", target)
        self.checkpoint = checkpoint      # bytes written to ./in.ckpt


def snapshot(cwd):
    """name -> (type, content) for the entries directly in cwd."""
    out = {}
    for name in os.listdir(cwd):
        p = os.path.join(cwd, name)
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            out[name] = ("link", os.readlink(p))
        elif stat.S_ISDIR(st.st_mode):
            out[name] = ("dir", tuple(sorted(os.listdir(p))))
        elif stat.S_ISFIFO(st.st_mode):
            out[name] = ("fifo", None)
        elif stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                out[name] = ("file", f.read(1 << 16))
        else:
            out[name] = ("other", None)
    return out


def make_fixtures(cwd, run):
    if run.checkpoint is not None:
        with open(os.path.join(cwd, "in.ckpt"), "wb") as f:
            f.write(run.checkpoint)
    for name, kind in run.fixtures.items():
        p = os.path.join(cwd, name)
        if kind == "dir":
            os.mkdir(p)
            with open(os.path.join(p, "keep.txt"), "w") as f:
                f.write("keep")
        elif kind == "fifo":
            os.mkfifo(p)
        elif kind[0] == "file":
            with open(p, "w") as f:
                f.write(kind[1])
        elif kind[0] == "link":
            os.symlink(kind[1], p)


def execute(run, scratch):
    """Runs one input; returns a list of symptom strings (empty if fine)."""
    cwd = tempfile.mkdtemp(prefix="run-", dir=scratch)
    out_path = os.path.join(scratch, "stdout")
    try:
        make_fixtures(cwd, run)
        before = snapshot(cwd)
        with open(out_path, "wb") as out:
            try:
                p = subprocess.run([BIN] + run.args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.PIPE, timeout=RUN_TIMEOUT, preexec_fn=limit_resources)
            except subprocess.TimeoutExpired:
                return [f"timeout (> {RUN_TIMEOUT:g} s)"]
        with open(out_path, "rb") as f:
            stdout = f.read(STDOUT_KEEP).decode("utf-8", "replace")
        stderr = p.stderr.decode("utf-8", "replace")
        symptoms = []
        rc = p.returncode
        if rc < 0:
            name = signal.Signals(-rc).name if -rc in signal.Signals._value2member_map_ else str(-rc)
            symptoms.append(f"killed by {name}: " + last_line(stderr))
        elif rc not in (0, 2):
            symptoms.append(f"exit {rc}: " + last_line(stderr))
        elif rc == 2:
            lines = stderr.rstrip("\n").split("\n")
            if len(lines) != 1 or not lines[0].strip():
                symptoms.append(f"exit 2 with {len(lines)} stderr lines: " + first_line(stderr))
        else:
            m = NONFINITE.search(computed_part(run.args, stdout))
            if m:
                symptoms.append(f"exit 0 with non-finite output ({m.group(0)}): " + line_of(stdout, m.start()))
        if not os.path.isdir(cwd) or os.path.islink(cwd):
            symptoms.append("replaced its own working directory")
            return symptoms
        after = snapshot(cwd)
        # The requested output may be a path: its first component is what
        # appears here (parent directories created on success are allowed).
        top = run.output.split("/")[0] if run.output else None
        for name in sorted(set(after) - set(before)):
            if rc == 0 and (name == top or (run.output == "." and run.output_is_dir)):
                continue
            symptoms.append(f"left behind: {name}" + (" (requested output, but the run failed)"
                                                       if name == run.output else ""))
        for name in sorted(set(before)):
            if name == "in.ckpt":
                continue
            replaceable = name == run.output and before[name][0] == "file" and rc == 0
            if name == run.output and run.output_is_dir and before[name][0] == "dir" and rc == 0:
                replaceable = True  # an existing output directory gets the new files
            if name not in after:
                symptoms.append(f"removed existing {before[name][0]} {name}")
            elif after[name] != before[name] and not replaceable:
                symptoms.append(f"changed existing {before[name][0]} {name} into {after[name][0]}")
        return symptoms
    finally:
        if os.path.isdir(cwd) and not os.path.islink(cwd):
            shutil.rmtree(cwd, ignore_errors=True)
        elif os.path.lexists(cwd):
            os.remove(cwd)


# Strings `checkpoint inspect` copies from the file as they are (task, seed,
# other metadata): a "nan" there is the file's text, not a computed result.
VERBATIM_JSON_KEYS = ("extra_metadata", "task", "seed")
VERBATIM_ROWS = re.compile(r"^\s*\|?\s*(metadata |task\b|seed\b)")


def computed_part(args, stdout):
    if args[:2] != ["checkpoint", "inspect"]:
        return stdout
    try:
        report = json.loads(stdout)
    except ValueError:
        return "\n".join(l for l in stdout.split("\n") if not VERBATIM_ROWS.match(l))
    if isinstance(report, dict):
        for key in VERBATIM_JSON_KEYS:
            report.pop(key, None)
    return json.dumps(report)


def first_line(text):
    return (text.strip().split("\n") or [""])[0][:200]


def last_line(text):
    lines = [l for l in text.strip().split("\n") if l.strip()]
    return lines[-1][:200] if lines else "(no stderr)"


def line_of(text, i):
    start = text.rfind("\n", 0, i) + 1
    end = text.find("\n", i)
    return text[start:end if end >= 0 else None].strip()[:160]


# MARK: input generators

def option_run(rng):
    command = rng.choice(list(COMMANDS))
    base, options = COMMANDS[command]
    args = [a.replace("{activation}", rng.choice(ACTIVATIONS)) for a in base]
    checkpoint = None
    if "{checkpoint}" in args:
        with open(rng.choice(CHECKPOINTS), "rb") as f:
            checkpoint = f.read()
        args = ["in.ckpt" if a == "{checkpoint}" else a for a in args]
    changed = []
    for _ in range(1 if rng.random() < 0.8 else 2):
        option = rng.choice(list(options))
        value = rng.choice(REALS if options[option] == "real" else INTEGERS)
        if options[option] == "real" and command == "moments" and rng.random() < 0.5:
            value = rng.choice(["1e62", "-1e62", "8e61", "1e155", "1e200", "1e-70", "1e-300", "5e-324",
                                "1e308", "-1e308", "0", "-0"])
        set_option(args, option, value)
        changed.append(f"{option}={value!r}")
    if command == "moments" and rng.random() < 0.5:
        set_option(args, "--json", None)
    return Run(args, f"{command} " + " ".join(changed), output=output_of(command, args),
               output_is_dir=OUTPUTS.get(command, (None, False))[1], checkpoint=checkpoint)


def set_option(args, option, value):
    if option in args:
        i = args.index(option)
        if value is None:
            return
        args[i + 1] = value
    else:
        args.extend([option] if value is None else [option, value])


def output_of(command, args):
    opt = OUTPUTS.get(command, (None,))[0]
    if opt and opt in args:
        return args[args.index(opt) + 1]
    return None


def output_path_run(rng):
    """Outputs at places that must not be clobbered."""
    command = rng.choice(list(OUTPUTS))
    opt, is_dir = OUTPUTS[command]
    base, _ = COMMANDS[command]
    args = list(base)
    checkpoint = None
    if "{checkpoint}" in args:
        with open(CHECKPOINTS[2], "rb") as f:
            checkpoint = f.read()
        args = ["in.ckpt" if a == "{checkpoint}" else a for a in args]
    kind = rng.choice(["dir", "fifo", "link", "missing-dir", "empty", "dot", "trailing-slash",
                       "existing-file", "dir-collision"])
    fixtures, target = {}, "target"
    if kind == "dir":
        fixtures = {"target": "dir"}
    elif kind == "fifo":
        fixtures = {"target": "fifo"}
    elif kind == "link":
        fixtures = {"victim": ("file", "precious"), "target": ("link", "victim")}
    elif kind == "missing-dir":
        target = "no/such/dir/out"
    elif kind == "empty":
        target = ""
    elif kind == "dot":
        target = "."
    elif kind == "trailing-slash":
        fixtures = {"target": "dir"}
        target = "target/"
    elif kind == "existing-file":
        fixtures = {"target": ("file", "old")}
    elif kind == "dir-collision":
        # An output directory where one of the report's names is a directory.
        fixtures = {"target": "dir"}
        target = "target"
    if kind == "dir-collision" and is_dir:
        os_fixture = "target/report.json"
        fixtures = {"target": "dir", os_fixture: "dir"}
    set_option(args, opt, target)
    expected_output = target if kind in ("existing-file", "missing-dir") else None
    if is_dir and kind in ("dir", "dot", "trailing-slash"):
        expected_output = target.rstrip("/") or target
    return Run(args, f"{command} {opt} at a {kind}", output=expected_output, output_is_dir=is_dir,
               fixtures=fixtures, checkpoint=checkpoint, scope="output-paths")


def checkpoint_run(rng, sources):
    data, how = mutate_checkpoint(rng, rng.choice(sources))
    if rng.random() < 0.5:
        args = ["checkpoint", "inspect", "in.ckpt"] + (["--json"] if rng.random() < 0.5 else [])
    else:
        args = ["analyze", "in.ckpt"] + QUICK_ANALYZE + (["--json"] if rng.random() < 0.5 else [])
    return Run(args, f"{args[0]} on a checkpoint with {how}", checkpoint=data)


def fixed_runs():
    """The reproducers of the bug report, always tried first."""
    runs = [
        Run(["moments", "--activation", "erf", "--mu", "1e62", "--sigma", "0.5"], "moments erf huge mu"),
        Run(["moments", "--activation", "erf", "--mu", "1e62", "--sigma", "0"], "moments erf huge mu, sigma 0"),
        Run(["moments", "--activation", "hardtanh", "--mu", "0", "--sigma", "1e-70"], "moments hardtanh tiny sigma"),
        Run(["moments", "--activation", "hardtanh", "--mu", "0", "--sigma", "1e155"], "moments hardtanh huge sigma"),
        Run(["stationary", "--cells", "100000", "--trajectories", "4", "--steps", "100", "--burn-in", "10"],
            "stationary huge cells"),
        Run(["stationary", "--trajectories", "9223372036854775807", "--steps", "100", "--burn-in", "10",
             "--cells", "16"], "stationary trajectories Int.max"),
        Run(["simulate", "--trajectories", "2", "--steps", "10", "--out", "target"], "simulate --out at a dir",
            fixtures={"target": "dir"}, scope="output-paths"),
        Run(["simulate", "--trajectories", "2", "--steps", "10", "--out", "target"], "simulate --out at a fifo",
            fixtures={"target": "fifo"}, scope="output-paths"),
    ]
    return runs


# MARK: the tests

_RESULT = None


def fuzz():
    """Runs the fuzzer once per session (both tests read its result):
    (inputs tried per scope, violations)."""
    global _RESULT
    if _RESULT is not None:
        return _RESULT
    rng = random.Random(SEED)
    sources = []
    for p in CHECKPOINTS:
        with open(p, "rb") as f:
            sources.append(f.read())
    scratch = tempfile.mkdtemp(prefix="fixedpoints-fuzz-")
    failures, tried = [], {"inputs": 0, "output-paths": 0}
    deadline = time.monotonic() + BUDGET
    queue = fixed_runs()
    try:
        # Stop starting runs once one that times out would overrun the budget
        # by more than a few seconds.
        while time.monotonic() + min(RUN_TIMEOUT, 5) < deadline:
            if queue:
                run = queue.pop(0)
            else:
                r = rng.random()
                run = (checkpoint_run(rng, sources) if r < 0.35 else
                       output_path_run(rng) if r < 0.45 else option_run(rng))
            tried[run.scope] += 1
            for symptom in execute(run, scratch):
                failures.append({"scope": run.scope, "what": run.description, "symptom": symptom,
                                 "command": "fixedpoints " + " ".join(shlex.quote(a) for a in run.args),
                                 "fixtures": {k: str(v) for k, v in run.fixtures.items()},
                                 "checkpoint": run.checkpoint.hex() if run.checkpoint is not None
                                 and len(run.checkpoint) < 20000 else None})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    distinct = {}
    for f in failures:
        key = (f["scope"], f["what"].split(" ")[0], re.sub(r"[-+]?\d[\d.e+-]*", "N", f["symptom"])[:80])
        distinct.setdefault(key, f)
    with open(SUMMARY, "w") as out:
        json.dump({"seed": SEED, "tried": tried, "failures": len(failures),
                   "distinct": list(distinct.values()), "all": failures}, out, indent=1)
    print(f"\nCLI fuzz: {sum(tried.values())} inputs tried ({tried['inputs']} inputs/limits, "
          f"{tried['output-paths']} output paths; seed {SEED}, {BUDGET:g} s), {len(failures)} violations, "
          f"{len(distinct)} distinct; summary in {SUMMARY}")
    for f in list(distinct.values())[:12]:
        print(f"  [{f['scope']}] {f['symptom']}\n    {f['command']}"
              + (f"  [fixtures {f['fixtures']}]" if f["fixtures"] else "")
              + (f"  [checkpoint: {f['what']}]" if f["checkpoint"] else ""))
    _RESULT = (tried, failures)
    return _RESULT


def check(scope):
    tried, failures = fuzz()
    mine = [f for f in failures if f["scope"] == scope]
    assert tried[scope] > 0
    assert not mine, (f"{len(mine)} contract violations on {scope}; see {SUMMARY}: "
                      + "; ".join(f"{f['symptom']} ({f['command']})" for f in mine[:3]))


@pytest.mark.skipif(not BIN or not os.path.exists(BIN), reason="FIXEDPOINTS_BIN is not set to a built binary")
def test_cli_fuzz_inputs():
    """Options, checkpoints and the reproducers of the bug report: strict."""
    check("inputs")


@pytest.mark.skipif(not BIN or not os.path.exists(BIN), reason="FIXEDPOINTS_BIN is not set to a built binary")
def test_cli_fuzz_output_paths():
    check("output-paths")
