#!/usr/bin/env python3
"""Checks that solve-mfg's outputs and problem files are what Python tools read directly.

  python3 bench/check_outputs.py OUT_DIR [OUT_DIR ...]   # e.g. out/lq-1d
  python3 bench/check_outputs.py --problems problems      # every problems/*.toml parses with tomllib

For an output directory: x.npy, t.npy, m.npy, u.npy, alpha.npy load with numpy.load as float64 with
the shapes [Nx], [Nt+1], [Nt+1, Nx]; every row of m has mass sum_i h m_i = 1 (or decreasing mass
when the problem has exits); summary.json has the documented keys; the PNG files are PNG images.
Needs numpy (Python 3.11+ for tomllib).
"""
import argparse
import json
import os
import sys
import tomllib

import numpy as np

SUMMARY_KEYS = ["run", "converged", "iterations", "residual", "hjb_residual", "fp_residual", "mass",
                "mass_drift", "min_density", "wall_seconds", "history", "arrays"]


def check_output(d):
    summary = json.load(open(os.path.join(d, "summary.json")))
    x = np.load(os.path.join(d, "x.npy"))
    nx = x.shape[0]
    ergodic = summary["run"]["ergodic"]
    ny = summary["run"].get("ny")
    shape = (nx,) if ergodic else (np.load(os.path.join(d, "t.npy")).shape[0], nx) + ((ny,) if ny else ())
    for name in (["m", "u", "alpha_x", "alpha_y"] if ny else ["m", "u", "alpha"]):
        a = np.load(os.path.join(d, f"{name}.npy"))
        assert a.dtype == np.float64 and a.shape == shape, f"{name}.npy: {a.dtype} {a.shape}"
        assert np.all(np.isfinite(a)), f"{name}.npy has non-finite values"
    if ergodic:
        assert "lambda" in summary, "summary.json of an ergodic solve lacks lambda"
    missing = [k for k in SUMMARY_KEYS if k not in summary]
    assert not missing, f"summary.json lacks {missing}"
    m = np.load(os.path.join(d, "m.npy"))
    if ergodic:
        m = m[None, :]
    h = (summary["run"]["upper"] - summary["run"]["lower"]) / nx
    if ny:
        y = np.load(os.path.join(d, "y.npy"))
        hy = (y[-1] - y[0]) / (ny - 1)
        m = m.reshape(m.shape[0], -1)
        h = h * hy
    mass = m.sum(axis=1) * h
    if summary.get("outflow") is not None:
        assert abs(mass[-1] + summary["outflow"] - mass[0]) < 1e-9, "mass + outflow is not conserved"
    if summary["run"]["exits"] or summary.get("outflow") is not None:
        assert np.all(np.diff(mass) <= 1e-12), "mass increases although it can only leave through exits"
    else:
        assert np.max(np.abs(mass - 1)) < 1e-12, f"mass deviates by {np.max(np.abs(mass - 1)):.1e}"
    assert m.min() >= 0, "negative density"
    for png in summary.get("pictures", []):
        with open(os.path.join(d, png), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"
    kind = f"ergodic, lambda {summary['lambda']:.9g}" if ergodic else f"{m.shape[0]} time levels"
    print(f"ok  {d}: {kind}, nx {nx}, mass {mass[0]:.15f} -> {mass[-1]:.15f}, min m {m.min():.2e}, "
          f"converged {summary['converged']} in {summary['iterations']} iterations, "
          f"{len(summary.get('pictures', []))} pictures")


def check_problems(d):
    for name in sorted(os.listdir(d)):
        if name.endswith(".toml"):
            with open(os.path.join(d, name), "rb") as f:
                doc = tomllib.load(f)
            assert doc["name"] + ".toml" == name, f"{name}: name is {doc['name']}"
            print(f"ok  {name}: valid TOML, tables {sorted(k for k, v in doc.items() if isinstance(v, dict))}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dirs", nargs="*")
    p.add_argument("--problems", help="directory of problem files to parse with tomllib")
    args = p.parse_args()
    if args.problems:
        check_problems(args.problems)
    for d in args.dirs:
        check_output(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
