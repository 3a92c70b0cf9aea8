#!/usr/bin/env python3
"""Seeded, time-bounded fuzzing of the solve-mfg command line (issue 17).

Usage: scripts/fuzz-cli.py PATH/TO/solve-mfg [--seed N] [--time SECONDS] [--max N] [--timeout SECONDS]
                          [--report FILE] [--keep DIR]

Each invocation takes a small, valid base command of one subcommand and mutates it: a flag's value
replaced by an extreme or malformed one, a `--set` parameter added, a flag dropped, doubled or
unknown, or an input file (problem, policy, dataset) mutated. Every invocation runs in a scratch
directory with its own --out and is checked for:

  exit     an exit status outside the documented table (0 1 3 4 64 65)
  crash    crash text (a trap, a backtrace, a segmentation fault)
  hang     no exit within --timeout seconds
  nan      exit 0 with a non-finite value in an output array, summary.json or the printed results
  touched  a file outside --out created, changed or removed (the inputs, the catalogue, the directory)
  unnamed  a refusal (64, 65) whose message names no flag, field or file

It prints one line per finding (the command to reproduce it) and a summary; it exits with 1 when it
found anything. Python's standard library only.
"""
import argparse
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

EXIT_CODES = {0, 1, 3, 4, 64, 65}
CRASH = re.compile(r"Fatal error|Program crashed|Backtrace|Segmentation fault|Illegal instruction|Aborted|core dumped")

INTS = ["0", "-1", "1", "2", "3", "4", "7", "20001", "65536", "2147483648", "9223372036854775807",
        "-9223372036854775808", "99999999999999999999", "1e3", "0x10", "", " ", "nan", "abc"]
# Counts for the bases whose work grows fastest with them (2D grids, verify's doubling levels): extreme or
# malformed, never a large valid size (a valid 8 x 8 x 20001 2D solve takes minutes: work, not a hang).
SMALL_INTS = [v for v in INTS if v not in ("20001", "65536")]
FLOATS = ["0", "-0", "-1", "1e-320", "5e-324", "1e-300", "1e308", "-1e308", "1.8e308", "1e19", "1e20", "nan",
          "inf", "-inf", "0.5", "1", "2", "3", "1e6", "", "abc", "1,2", "0x1p3"]
STRINGS = ["", "=", ",", "a=b", "expert=0.5,random=0.5", "expert=-1", "random=nan", "=1", "expert,expert",
           "nonexistent", "../../etc", "\u00e9", "\x7f", "-", "--", "a" * 300]
NAMES = {"size", "horizon", "dt", "volatility", "mean_revert", "cross_q", "kappa", "n_actions_per_side",
         "coef_aversion", "xmin", "xmax", "task", "discount", "nu", "T", "q", "s", "c", "lambda", "time_a",
         "slope_a", "time_b", "slope_b", "noise_intensity", "crowd_aversion_coef", "with_congestion", "bogus"}


# A benchmark suite small enough for a fuzzed run: a continuous problem at one level and a game, two methods.
SUITE = """name = "fuzz"
seeds = [0]
[budget]
iterations = 3
seconds = 20
[problems.lq]
problem = "lq-1d"
cells = [8]
reference = 40
[problems.cm]
game = "crowd_modelling"
set = ["size=6", "horizon=4"]
[methods.md]
algorithm = "mirror-descent"
learning_rate = [0.1, 1.0]
"""


def base_commands(inputs):
    """(argv without the binary, {flag: kind}) for small valid runs of every subcommand; OUT is --out."""
    p, d, toml = inputs["policy"], inputs["dataset"], inputs["toml"]
    control, suite, results = inputs["control"], inputs["suite"], inputs["results"]
    return [
        (["solve", "lq-1d", "--nx", "40", "--nt", "10", "--quiet", "--no-pictures", "--out", "OUT"],
         {"--nx": INTS, "--nt": INTS, "--tolerance": FLOATS, "--max-iterations": INTS, "--damping": FLOATS,
          "--relaxation": FLOATS, "--solver": STRINGS + ["newton", "fixed-point"], "--objective": STRINGS + ["social"]}),
        (["solve", toml, "--nx", "40", "--nt", "10", "--quiet", "--no-pictures", "--out", "OUT"],
         {"--nx": INTS, "--nt": INTS, "--set": ["nu=" + v for v in FLOATS] + ["T=" + v for v in FLOATS]}),
        (["solve", "crowd-aversion-2d", "--nx", "8", "--ny", "8", "--nt", "6", "--quiet", "--no-pictures", "--out", "OUT"],
         {"--nx": SMALL_INTS, "--ny": SMALL_INTS, "--nt": SMALL_INTS}),
        (["check", toml], {}),
        (["verify", "hopf-cole-1d", "--levels", "2", "--nx", "20", "--nt", "10"],
         {"--levels": INTS, "--nx": SMALL_INTS, "--nt": SMALL_INTS, "--tolerance": FLOATS}),
        (["rl", "run", "--game", "crowd_modelling", "--iterations", "3", "--quiet", "--out", "OUT"],
         {"--iterations": INTS, "--learning-rate": FLOATS, "--temperature": FLOATS, "--alpha": FLOATS,
          "--algorithm": STRINGS + ["fictitious-play", "boltzmann-policy-iteration", "munchausen-mirror-descent"],
          "--objective": STRINGS + ["social"], "--game": STRINGS + ["periodic_aversion", "four_rooms", "wardrop"]}),
        (["rl", "run", "--game", "linear_quadratic", "--iterations", "3", "--quiet", "--out", "OUT"],
         {"--iterations": INTS, "--learning-rate": FLOATS}),
        (["rl", "run", "--game", "periodic_aversion", "--iterations", "2", "--quiet", "--out", "OUT"],
         {"--learning-rate": FLOATS, "--temperature": FLOATS}),
        (["rl", "run", "--game", "crowd_modelling", "--set", "size=6", "--set", "horizon=4", "--algorithm", "d-momd",
          "--iterations", "1", "--updates-per-iteration", "5", "--batch-size", "8", "--hidden", "8",
          "--episodes-per-iteration", "10", "--quiet", "--out", "OUT"],
         {"--hidden": INTS + ["8,8", "0,4", "65536,65536", "1,,2"], "--batch-size": INTS, "--updates-per-iteration": INTS,
          "--episodes-per-iteration": INTS, "--learning-rate": FLOATS, "--tau": FLOATS, "--epsilon": FLOATS,
          "--target-updates": INTS, "--alpha": FLOATS}),
        (["rl", "run", "--problem", "crowd-aversion-1d", "--nx", "8", "--reference", "40", "--iterations", "2", "--quiet",
          "--out", "OUT"],
         {"--nx": INTS, "--reference": INTS, "--set": ["nu=" + v for v in FLOATS] + ["T=" + v for v in FLOATS]}),
        (["rl", "evaluate", "--policy", p, "--game", "crowd_modelling", "--distribution-out", "OUT/mu.npy"],
         {"--distribution-out": ["", "OUT/", "/dev/null", p, "OUT/x/y/mu.npy"]}),
        (["dataset", "generate", "--game", "crowd_modelling", "--set", "size=6", "--set", "horizon=4", "--episodes", "20",
          "--expert-iterations", "20", "--out", "OUT/d.npz", "--quiet"],
         {"--episodes": INTS, "--expert-iterations": INTS, "--expert-learning-rate": FLOATS, "--behavior": STRINGS,
          "--seed": INTS, "--out": ["", "OUT/", "OUT/d.npz/", "OUT/minari", d]}),
        (["dataset", "info", d], {}),
        (["rl", "offline", "--dataset", d, "--algorithm", "tabular-off-mmd", "--iterations", "2", "--updates-per-iteration", "5",
          "--batch-size", "8", "--hidden", "8", "--quiet", "--out", "OUT"],
         {"--iterations": INTS, "--algorithm": STRINGS + ["off-mmd", "bc", "in-sample", "d-momd"], "--tau": FLOATS,
          "--alpha": FLOATS, "--batch-size": INTS, "--hidden": INTS, "--updates-per-iteration": INTS}),
        (["rl", "refine", "lq-1d", "--levels", "10,20", "--fine", "40", "--iterations", "5"],
         {"--levels": STRINGS + ["0,4", "4,8", "10,20,40"], "--fine": INTS, "--fine-time-steps": INTS, "--iterations": INTS}),
        (["list"], {}),
        (["evaluate", "lq-1d", "--nx", "40", "--nt", "10", "--control", control, "--quiet", "--no-pictures", "--out", "OUT"],
         {"--nx": SMALL_INTS, "--nt": SMALL_INTS, "--tolerance": FLOATS, "--max-iterations": INTS, "--damping": FLOATS,
          "--control": ["", "OUT", control + "x", p], "--set": ["nu=" + v for v in FLOATS] + ["T=" + v for v in FLOATS]}),
        (["nplayer", "lq-1d", "--control", control, "--nx", "40", "--nt", "10", "--players", "10,20", "--runs", "2",
          "--no-pictures", "--out", "OUT"],
         {"--players": STRINGS + SMALL_INTS + ["10,100", "1,2", "0,5"], "--runs": SMALL_INTS, "--bandwidth": FLOATS,
          "--seed": INTS, "--nx": SMALL_INTS, "--nt": SMALL_INTS}),
        (["approx", "fit", "lq-1d", "--approximator", "histogram", "--samples", "256", "--slices", "3", "--no-pictures",
          "--out", "OUT"],
         {"--approximator": STRINGS + ["gmm", "kde", "density-network"], "--samples": SMALL_INTS, "--slices": SMALL_INTS,
          "--draws": SMALL_INTS, "--seed": INTS, "--setting": STRINGS + ["width=" + v for v in FLOATS],
          "--dataset": [d, "", p], "--nx": SMALL_INTS, "--nt": SMALL_INTS}),
        (["approx", "score", "lq-1d", "--samples", "256", "--floor-samples", "256", "--out", "OUT"],
         {"--density": [p, control, "", d], "--samples": SMALL_INTS, "--floor-samples": SMALL_INTS, "--seed": INTS}),
        (["benchmark", "run", suite, "--out", "OUT"],
         {"--shard": STRINGS + ["1/2", "2/2", "0/1", "3/2", "1/0", "1/9223372036854775807"], "--report": ["--quiet"]}),
        (["benchmark", "merge", results, "--out", "OUT"], {"--out": ["", "OUT/", results]}),
        (["benchmark", "slurm", suite, "--shards", "2", "--out", "OUT"],
         {"--shards": INTS, "--memory": STRINGS + ["none", "4G"], "--time": STRINGS + ["1:00:00"], "--cpus": INTS,
          "--partition": STRINGS, "--binary": STRINGS}),
    ]


def mutate_bytes(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.4 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind < 0.6 and data:
            del data[rng.randrange(len(data)):][:rng.randint(1, 64)]
        elif kind < 0.8:
            data[rng.randrange(len(data) + 1):0] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        else:
            data = data[:rng.randrange(len(data) + 1)]
    return bytes(data)


def mutate_toml(text, rng):
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        r = rng.random()
        if r < 0.4 and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = key + "= " + rng.choice(FLOATS + ['"' + v + '"' for v in FLOATS] + ['"x^1e308"', '"exp(1e3*m)"', '"1/0"', "[1, 0]"])
        elif r < 0.55:
            del lines[i]
        elif r < 0.7:
            k = rng.randint(5, 40)
            chain = ['d_0 = "x"'] + ['d_%d = "d_%d*d_%d + d_%d"' % (j, j - 1, j - 1, j - 1) for j in range(1, k)]
            j = next((n for n, l in enumerate(lines) if l.strip() == "[definitions]"), None)
            if j is not None:
                lines[j + 1:j + 1] = chain
        elif r < 0.85:
            lines.insert(i, rng.choice(["[bogus]", "x = 1", "nx = 0", "nt = 9223372036854775807", "nx = 4000000", "[[a]]"]))
        else:
            return mutate_bytes(text.encode(), rng).decode("latin-1")
    return "\n".join(lines)


def npy_values(path):
    """The float64 values of a C-order .npy file, or None for other files (no NumPy needed)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY" or "<f8" not in data[10:200].decode("latin-1"):
        return None
    length = struct.unpack("<H", data[8:10])[0] if data[6] == 1 else struct.unpack("<I", data[8:12])[0]
    start = (10 if data[6] == 1 else 12) + length
    n = (len(data) - start) // 8
    return struct.unpack("<%dd" % n, data[start:start + 8 * n])


def snapshot(paths):
    state = {}
    for root in paths:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                p = os.path.join(dirpath, name)
                try:
                    st = os.lstat(p)
                except FileNotFoundError:
                    continue
                state[p] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino)
    return state


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time", type=float, default=60, help="stop after this many seconds")
    ap.add_argument("--max", type=int, default=10**9, help="stop after this many invocations")
    ap.add_argument("--timeout", type=float, default=30, help="an invocation running longer is a hang")
    ap.add_argument("--report", help="write the findings here as JSON")
    ap.add_argument("--keep", help="copy the (mutated) input files of each finding into KEEP/<invocation>/")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rng = random.Random(args.seed)
    scratch = tempfile.mkdtemp(prefix="fuzz-cli-")
    findings, counts, start = [], {}, time.time()
    try:
        catalogue = os.path.join(scratch, "problems")
        shutil.copytree(os.path.join(repo, "problems"), catalogue)
        inputs_dir = os.path.join(scratch, "inputs")
        os.mkdir(inputs_dir)
        env = dict(os.environ, SOLVE_MFG_PROBLEMS=catalogue, OPENBLAS_NUM_THREADS="1")
        pristine = {"policy": os.path.join(inputs_dir, "policy.npy"), "dataset": os.path.join(inputs_dir, "d.npz"),
                    "toml": os.path.join(inputs_dir, "p.toml"), "control": os.path.join(inputs_dir, "alpha.npy"),
                    "suite": os.path.join(inputs_dir, "suite.toml")}
        with open(pristine["suite"], "w") as f:
            f.write(SUITE)
        subprocess.run([binary, "solve", "lq-1d", "--nx", "40", "--nt", "10", "--quiet", "--no-pictures", "--out",
                        os.path.join(scratch, "seed-solve")], env=env, cwd=scratch, capture_output=True, check=True)
        shutil.copy(os.path.join(scratch, "seed-solve", "alpha.npy"), pristine["control"])
        results = os.path.join(scratch, "seed-benchmark")
        subprocess.run([binary, "benchmark", "run", pristine["suite"], "--out", results], env=env, cwd=scratch,
                       capture_output=True, check=True)
        subprocess.run([binary, "rl", "run", "--game", "crowd_modelling", "--iterations", "2", "--quiet", "--out",
                        os.path.join(scratch, "seed-rl")], env=env, cwd=scratch, capture_output=True, check=True)
        shutil.copy(os.path.join(scratch, "seed-rl", "policy.npy"), pristine["policy"])
        subprocess.run([binary, "dataset", "generate", "--game", "crowd_modelling", "--set", "size=6", "--set", "horizon=4",
                        "--episodes", "20", "--expert-iterations", "20", "--out", pristine["dataset"], "--quiet"],
                       env=env, cwd=scratch, capture_output=True, check=True)
        shutil.copy(os.path.join(catalogue, "lq-1d.toml"), pristine["toml"])
        originals = {k: open(v, "rb").read() for k, v in pristine.items()}
        n = 0
        while time.time() - start < args.time and n < args.max:
            n += 1
            work = os.path.join(scratch, "run")
            shutil.rmtree(work, ignore_errors=True)
            os.mkdir(work)
            out = os.path.join(work, "out")
            inputs = {}
            for k, v in pristine.items():   # fresh, possibly mutated, inputs in the run's own directory
                path = os.path.join(work, os.path.basename(v))
                data = originals[k]
                if rng.random() < 0.25:
                    data = mutate_toml(data.decode(), rng).encode("utf-8", "surrogateescape") if k in ("toml", "suite") else mutate_bytes(data, rng)
                with open(path, "wb") as f:
                    f.write(data)
                inputs[k] = path
            inputs["results"] = os.path.join(work, "results")   # a finished benchmark directory (read by merge)
            shutil.copytree(results, inputs["results"])
            argv, flags = rng.choice(base_commands(inputs))
            argv = list(argv)
            for _ in range(rng.choice([0, 1, 1, 1, 2])):
                r = rng.random()
                if flags and r < 0.6:
                    flag = rng.choice(sorted(flags))
                    value = rng.choice(flags[flag])
                    if flag in argv and flag != "--set" and argv.index(flag) + 1 < len(argv):
                        argv[argv.index(flag) + 1] = value
                    else:
                        argv += [flag, value]
                elif r < 0.75:
                    argv += ["--set", "%s=%s" % (rng.choice(sorted(NAMES)), rng.choice(FLOATS + ["true", "exploration"]))]
                elif r < 0.85 and len(argv) > 2:
                    i = rng.randrange(1, len(argv))
                    del argv[i]
                elif r < 0.95:
                    argv += [rng.choice(["--bogus", "-x", "--", "--out", "--quiet"])]
                else:
                    argv += [rng.choice(STRINGS)]
            argv = [a.replace("OUT", out) for a in argv]
            before = snapshot([catalogue, work])
            t0 = time.time()
            try:
                p = subprocess.run([binary] + argv, env=env, cwd=work, capture_output=True, timeout=args.timeout)
                rc, text, stdout = p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace"), p.stdout.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                rc, text, stdout = None, "", ""
            seconds = time.time() - t0
            problems = []
            if rc is None:
                problems.append(("hang", "no exit within %.0f s" % args.timeout))
            else:
                if rc not in EXIT_CODES:
                    problems.append(("exit", "exit %d" % rc))
                if CRASH.search(text):
                    problems.append(("crash", CRASH.search(text).group(0)))
                if rc == 0:
                    bad = []
                    for dirpath, _, files in os.walk(out) if os.path.isdir(out) else []:
                        for name in files:
                            path = os.path.join(dirpath, name)
                            if name.endswith(".npy"):
                                values = npy_values(path)
                                if values is not None and any(v != v or v in (float("inf"), float("-inf")) for v in values):
                                    bad.append(name)
                            elif name == "summary.json" and re.search(r'"(NaN|-?Infinity)"', open(path, encoding="utf-8", errors="replace").read()):
                                bad.append(name)
                    # Paths and name=value arguments echoed back (--out random=nan) are not results.
                    printed = stdout
                    for a in sorted(argv, key=len, reverse=True):
                        if "/" in a or "=" in a:
                            printed = printed.replace(a, "")
                    if re.search(r"(?i)\b(nan|-?inf)\b", printed):
                        bad.append("stdout")
                    if bad:
                        problems.append(("nan", "exit 0 with non-finite values in " + ", ".join(bad)))
                if rc in (64, 65):
                    message = text.strip()
                    if not re.search(r"--[a-z]|\.toml|\.npy|\.npz|\[|'|/|suite file|\b(nx|nt|ny|size|horizon|dt|game|problem|dataset|behaviour)\b", message) \
                            and not any(re.search(r"\b%s\b" % name, message) for name in NAMES if len(name) > 2):
                        problems.append(("unnamed", "refusal names no flag, field or file: " + message[:160]))
            after = snapshot([catalogue, work])
            # Outputs: --out and --distribution-out (a run may replace the file named there), unless it is an input.
            named = lambda flags: {os.path.normpath(os.path.join(work, argv[i + 1])) for i, a in enumerate(argv[:-1]) if a in flags}
            inputs_named = named({"--policy", "--dataset", "--control", "--density"}) | {
                os.path.normpath(os.path.join(work, a)) for a in argv if a.endswith(".toml") or a == inputs["results"]}
            outputs = [o for o in named({"--out", "--distribution-out"}) | {out} if o not in inputs_named]
            changed = [q for q in set(before) | set(after) if before.get(q) != after.get(q)]
            outside = sorted(q for q in changed if not any(q == o or q.startswith(o + os.sep) for o in outputs))
            if outside:
                problems.append(("touched", "outside --out: " + ", ".join(os.path.relpath(q, scratch) for q in outside[:5])))
            counts[rc] = counts.get(rc, 0) + 1
            if problems and args.keep:
                kept = os.path.join(args.keep, str(n))
                os.makedirs(kept, exist_ok=True)
                for path in inputs.values():
                    if os.path.isfile(path):
                        shutil.copy(path, kept)
            for kind, detail in problems:
                findings.append({"kind": kind, "detail": detail, "exit": rc, "seconds": round(seconds, 2), "invocation": n,
                                 "command": ["solve-mfg"] + [a.replace(scratch, "$SCRATCH") for a in argv]})
                print("FINDING %s: %s\n    %s" % (kind, detail, " ".join(repr(a) if (not a or " " in a) else a for a in findings[-1]["command"])), flush=True)
        elapsed = time.time() - start
        kinds = {}
        for f in findings:
            kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
        print("fuzz-cli: seed %d, %d invocations in %.0f s (%.1f a second); exit codes %s; findings: %s"
              % (args.seed, n, elapsed, n / max(elapsed, 1e-9), dict(sorted((str(k), v) for k, v in counts.items())),
                 ", ".join("%s %d" % kv for kv in sorted(kinds.items())) or "none"))
        if args.report:
            with open(args.report, "w") as f:
                json.dump({"seed": args.seed, "invocations": n, "seconds": elapsed, "findings": findings}, f, indent=1)
        return 1 if findings else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
