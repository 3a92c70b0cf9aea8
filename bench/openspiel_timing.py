#!/usr/bin/env python3
"""Seconds per mirror-descent iteration of OpenSpiel 2.0.2 (tabular, lr 1) on a game, as
`seconds S` on the last line. Used by `solve-mfg bench --rl --openspiel-python PY`.

  bench/.venv-openspiel/bin/python bench/openspiel_timing.py crowd_modelling 100 100 [iterations]
  bench/.venv-openspiel/bin/python bench/openspiel_timing.py periodic_aversion
"""
import sys
import time

import pyspiel
from open_spiel.python.mfg import games  # noqa: F401
from open_spiel.python.mfg.algorithms import mirror_descent


def main():
    name = sys.argv[1]
    if name == "crowd_modelling":
        game = pyspiel.load_game("mfg_crowd_modelling", {"size": int(sys.argv[2]), "horizon": int(sys.argv[3])})
        iterations = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    else:
        game = pyspiel.load_game("python_mfg_periodic_aversion")
        iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    md = mirror_descent.MirrorDescent(game, lr=1.0)
    md.iteration()  # warm-up
    start = time.perf_counter()
    for _ in range(iterations):
        md.iteration()
    print(f"seconds {(time.perf_counter() - start) / iterations:.6f}")


if __name__ == "__main__":
    main()
