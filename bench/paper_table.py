#!/usr/bin/env python3
"""The Off-MMD study's table (docs/off-mmd-report.md) from a finished paper suite's results.

Usage: python3 bench/paper_table.py benchmarks/paper.toml DIR [--compare OTHER LABEL]

DIR is a `benchmark run` (or `benchmark merge`) results directory of that suite. With --compare, a
last column LABEL holds the final exploitability of the same cell (same id) in OTHER, another run's
results directory ("-" where OTHER lacks the cell). One table per
problem (headed by its key when the suite has several), one row per cell, best first by final
exploitability. The columns, all from exploitability computed exactly in the game:
- final: at the last iteration;
- best: the lowest over the run;
- tail: the mean over the last quarter of the iterations;
- L1 to PDE: the distance of the final distribution to the PDE density (continuous problems only);
- seconds: the cell's wall time.
Python's standard library only (3.11+, tomllib).
"""
import csv
import glob
import json
import os
import re
import sys
import tomllib

NAMES = {"off-mmd": "Off-MMD", "tabular-off-mmd": "tabular Off-MMD (exact Q)", "bc": "behaviour cloning",
         "in-sample": "in-sample learning", "d-momd": "D-MOMD (online)"}


def main():
    args = sys.argv[1:]
    other, column = None, None
    if len(args) == 5 and args[2] == "--compare":
        other, column = args[3], args[4]
        args = args[:2]
    if len(args) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    suite_path, directory = args
    earlier = {}
    if other:
        for path in glob.glob(os.path.join(other, "cells", "*.json")):
            cell = json.load(open(path))
            if cell["status"] == "ok":
                earlier[cell["id"]] = cell["final_exploitability"]
    with open(suite_path, "rb") as f:
        suite = tomllib.load(f)
    methods = suite.get("methods", {})
    l1 = {}
    with open(os.path.join(directory, "results.csv"), newline="") as f:
        for row in csv.DictReader(f):
            l1[row["id"]] = row["l1"]
    rows = {}
    for path in sorted(glob.glob(os.path.join(directory, "cells", "*.json"))):
        cell = json.load(open(path))
        if cell["status"] != "ok":
            rows.setdefault(cell["problem"], []).append((float("inf"), "| %s | failed: %s | | | | |" % (cell["id"], cell.get("error", "?"))))
            continue
        key = re.split(r"[@(]", cell["method"])[0]   # offmmd_cql@expert_2000(cql_weight=0;...)
        method = methods.get(key, {})
        label = NAMES.get(cell["algorithm"], cell["algorithm"])
        if "dataset" in method:
            label += " @ " + method["dataset"]
        if isinstance(method.get("cql_weight"), list):
            label += ", CQL weight %g" % cell["settings"]["cql_weight"]
        e = cell["exploitability"]
        tail = e[len(e) - max(1, len(e) // 4):]
        distance = l1.get(cell["id"], "")
        line = "| %s | %.3g | %.3g | %.3g | %s | %.0f |" % (
            label, cell["final_exploitability"], min(e), sum(tail) / len(tail),
            "%.3g" % float(distance) if distance else "-", cell["seconds"])
        if other:
            line += " %s |" % ("%.3g" % earlier[cell["id"]] if cell["id"] in earlier else "-")
        rows.setdefault(cell["problem"], []).append((cell["final_exploitability"], line))
    for index, problem in enumerate(suite.get("problems", {})):
        if problem not in rows:
            continue
        if len(suite.get("problems", {})) > 1:
            print(("\n" if index else "") + "%s:\n" % problem)
        print("| method @ dataset | final | best | tail | L1 to PDE | seconds |" + (" %s |" % column if other else ""))
        print("|---|---|---|---|---|---|" + ("---|" if other else ""))
        for _, line in sorted(rows[problem], key=lambda r: r[0]):
            print(line)


if __name__ == "__main__":
    main()
