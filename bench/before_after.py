#!/usr/bin/env python3
"""Same outputs before and after a change: solves every catalogue problem and runs `rl run` /
`rl evaluate` on every RL game with two builds of solve-mfg, and reports the largest relative
difference of every array (max |a - b| / max |b|).

    python3 bench/before_after.py --before-ref 9470a48            # builds that commit in a worktree
    python3 bench/before_after.py --before /path/to/old/solve-mfg  # or an existing binary

The "after" binary is .build/release/solve-mfg (build it first). With --before-ref the problem files
of that commit are used for the "before" runs (their [solver] tables included), the current ones for
the "after" runs. Both solves run to --tolerance (default 1e-12), so that two converged solutions of
the same discrete system differ by round-off only.

With --same-methods both builds solve the old problem files (their [solver] settings included) with
the same method: the one the old file's [solver] table names, else policy iteration (the old default). That isolates a refactoring from a
change of default solver, which moves ill-conditioned solutions within the tolerance times their
condition number.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib

import numpy as np

GAMES = ["crowd_modelling", "periodic_aversion", "linear_quadratic", "crowd_modelling_2d",
         "crowd_modelling_2d_four_rooms", "crowd_modelling_2d_maze", "four_rooms"]
ALGORITHMS = ["fixed-point", "fictitious-play", "mirror-descent", "munchausen-mirror-descent",
              "boltzmann-policy-iteration"]
# Discretised continuous problems (small: a coarse game and its PDE reference).
PROBLEM_GAMES = [("lq-1d", ["--nx", "20", "--reference", "80"]),
                 ("congestion-lst-1d", ["--nx", "20", "--reference", "80"]),
                 ("evacuation-1d", ["--nx", "20", "--reference", "80"]),
                 ("crowd-aversion-2d", ["--nx", "10", "--reference", "20", "--reference-steps", "20"])]


def run(cmd, cwd=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def build_ref(ref, root):
    work = tempfile.mkdtemp(prefix="before-")
    subprocess.run(["git", "-C", root, "worktree", "add", "--detach", work, ref], check=True, capture_output=True)
    print(f"building {ref} in {work} ...", flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "solve-mfg"], cwd=work, check=True,
                   capture_output=True)
    return os.path.join(work, ".build/release/solve-mfg"), os.path.join(work, "problems")


def compare_dirs(a, b):
    worst, names = 0.0, []
    listed = lambda d: set(f for f in os.listdir(d) if f.endswith(".npy")) if os.path.isdir(d) else set()
    for f in sorted(listed(a) - listed(b)):
        names.append(f"{f} missing after")
        worst = float("inf")
    for f in sorted(listed(b)):
        if not os.path.exists(os.path.join(a, f)):
            names.append(f"{f} missing before")
            continue
        x, y = np.load(os.path.join(a, f)), np.load(os.path.join(b, f))
        if x.shape != y.shape:
            names.append(f"{f} shape {x.shape} vs {y.shape}")
            worst = float("inf")
            continue
        scale = max(np.abs(y).max(), 1e-300)
        d = float(np.abs(x.astype(float) - y.astype(float)).max() / scale)
        worst = max(worst, d)
        names.append(f"{f} {d:.1e}")
    return worst, names


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", help="the old solve-mfg binary")
    p.add_argument("--before-ref", help="a git commit to build and use as the old binary")
    p.add_argument("--before-problems", help="problem files of the old runs (default: those of --before-ref, else --problems)")
    p.add_argument("--after", default=".build/release/solve-mfg")
    p.add_argument("--problems", default="problems")
    p.add_argument("--tolerance", default="1e-12")
    p.add_argument("--iterations", default="10", help="iterations of each rl run")
    p.add_argument("--threshold", type=float, default=1e-12, help="largest accepted relative difference")
    p.add_argument("--skip-rl", action="store_true")
    p.add_argument("--same-methods", action="store_true",
                   help="solve with the method of the old file's [solver] table (else policy-iteration) in both builds")
    args = p.parse_args()
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True).stdout.strip()
    before, before_problems = args.before, args.before_problems
    if args.before_ref:
        before, ref_problems = build_ref(args.before_ref, root)
        before_problems = before_problems or ref_problems
    if not before:
        sys.exit("give --before BINARY or --before-ref COMMIT")
    before_problems = before_problems or args.problems
    out = tempfile.mkdtemp(prefix="before-after-")
    rows = []
    for f in sorted(os.listdir(args.problems)):
        if not f.endswith(".toml"):
            continue
        name = f[:-5]
        dirs = []
        method = []
        if args.same_methods:
            old = os.path.join(before_problems, f)
            if not os.path.exists(old):
                continue
            with open(old, "rb") as fh:
                method = ["--solver", tomllib.load(fh).get("solver", {}).get("method", "policy-iteration")]
        after_problems = before_problems if args.same_methods else args.problems
        for tag, binary, problems in [("before", before, before_problems), ("after", args.after, after_problems)]:
            d = os.path.join(out, tag, name)
            code, text = run([binary, "solve", os.path.join(problems, f), "--out", d, "--quiet", "--no-pictures",
                              "--tolerance", args.tolerance, "--max-iterations", "1000", *method])
            if code not in (0,):
                print(f"{name} {tag}: exit {code}: {text.strip().splitlines()[-1] if text.strip() else ''}")
            dirs.append(d)
        worst, names = compare_dirs(*dirs)
        rows.append((f"solve {name}", worst, names))
    if not args.skip_rl:
        for game in GAMES:
            for algorithm in ALGORITHMS:
                dirs = []
                for tag, binary in [("before", before), ("after", args.after)]:
                    d = os.path.join(out, tag, f"rl-{game}-{algorithm}")
                    code, text = run([binary, "rl", "run", "--game", game, "--algorithm", algorithm,
                                      "--iterations", args.iterations, "--out", d, "--quiet"])
                    if code != 0:
                        print(f"rl run {game} {algorithm} {tag}: exit {code}")
                    dirs.append(d)
                worst, names = compare_dirs(*dirs)
                rows.append((f"rl run {game} {algorithm}", worst, names))
            # rl evaluate of one policy (the "before" mirror-descent one) with both builds.
            policy = os.path.join(out, "before", f"rl-{game}-mirror-descent", "policy.npy")
            values = []
            for binary in [before, args.after]:
                code, text = run([binary, "rl", "evaluate", "--game", game, "--policy", policy])
                line = text.strip().splitlines()[-1] if text.strip() else ""
                values.append([float(v) for v in re.findall(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?", line)])
            d = max((abs(a - b) / max(abs(b), 1e-300) for a, b in zip(*values)), default=float("inf"))
            rows.append((f"rl evaluate {game}", d, [f"{values[0]} vs {values[1]}"]))
        for name, extra in PROBLEM_GAMES:
            dirs = []
            after_problems = before_problems if args.same_methods else args.problems
            for tag, binary, problems in [("before", before, before_problems), ("after", args.after, after_problems)]:
                d = os.path.join(out, tag, f"rl-problem-{name}")
                code, text = run([binary, "rl", "run", "--problem", os.path.join(problems, name + ".toml"), *extra,
                                  "--algorithm", "mirror-descent", "--iterations", args.iterations, "--out", d, "--quiet"])
                if code != 0:
                    print(f"rl run --problem {name} {tag}: exit {code}: {text.strip().splitlines()[-1] if text.strip() else ''}")
                dirs.append(d)
            worst, names = compare_dirs(*dirs)
            rows.append((f"rl run --problem {name}", worst, names))
    width = max(len(r[0]) for r in rows)
    for name, worst, names in rows:
        print(f"{name:<{width}}  {worst:9.2e}   " + ", ".join(names))
    overall = max(r[1] for r in rows)
    print(f"largest relative difference: {overall:.2e} over {len(rows)} comparisons (outputs in {out})")
    sys.exit(0 if overall <= args.threshold else 1)


if __name__ == "__main__":
    main()
