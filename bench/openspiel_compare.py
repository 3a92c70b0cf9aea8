#!/usr/bin/env python3
"""Runs OpenSpiel 2.0.2's MFG algorithms, exports their policies as pi[t, x, a], and compares
OpenSpiel's nash_conv with the exact (true) exploitability computed by `solve-mfg rl evaluate`.

  python3 -m venv bench/.venv-openspiel && bench/.venv-openspiel/bin/pip install open_spiel==2.0.2
  bench/.venv-openspiel/bin/python bench/openspiel_compare.py --solve-mfg .build/release/solve-mfg

On 1D games whose reward charges the previous move (crowd_modelling, periodic_aversion), OpenSpiel
caches state values by the observation "(x, t)", which drops the previous move, so its nash_conv
is not the exploitability of its policy (docs/rl.md); solve-mfg's number is the true one (the
reference values measured by simulating OpenSpiel's engine are in ../shared/reference/peer-numbers.md).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import pyspiel
from open_spiel.python import policy as policy_std
from open_spiel.python.mfg import games  # noqa: F401 (registers the Python games)
from open_spiel.python.mfg.algorithms import distribution, fictitious_play, fixed_point, mirror_descent, nash_conv


def decision_states(game):
    """The decision states of a 1D MFG keyed by (t, x), found by walking the tree."""
    found = {}
    frontier = list(game.new_initial_states())
    uniform = policy_std.UniformRandomPolicy(game)
    distrib = distribution.DistributionPolicy(game, uniform)
    seen = set()
    while frontier:
        state = frontier.pop()
        if state.is_terminal():
            continue
        key = str(state)
        if key in seen:
            continue
        seen.add(key)
        player = state.current_player()
        if player == pyspiel.PlayerId.CHANCE:
            frontier.extend(state.child(a) for a, _ in state.chance_outcomes())
        elif player == pyspiel.PlayerId.MEAN_FIELD:
            s = state.clone()
            s.update_distribution([distrib.value_str(x, 0.0) for x in state.distribution_support()])
            frontier.append(s)
        else:
            obs = state.observation_string(pyspiel.PlayerId.DEFAULT_PLAYER_ID)
            x, t = (int(v) for v in obs.strip("()").split(","))
            found.setdefault((t, x), state)
            frontier.extend(state.child(a) for a in state.legal_actions())
    return found


def export(game, pol, states, horizon, size, actions):
    """pi[t, x, a] of an OpenSpiel policy (tabular ones are read through their own state table)."""
    if hasattr(pol, "states"):
        states = {}
        for state in pol.states:
            if state.current_player() >= 0:
                obs = state.observation_string(pyspiel.PlayerId.DEFAULT_PLAYER_ID)
                x, t = (int(v) for v in obs.strip("()").split(","))
                states.setdefault((t, x), state)
    pi = np.zeros((horizon, size, actions))
    for (t, x), state in states.items():
        for a, p in pol.action_probabilities(state).items():
            pi[t, x, a] = p
    return pi


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--solve-mfg", default=".build/release/solve-mfg")
    p.add_argument("--iterations", type=int, default=10)
    args = p.parse_args()
    cases = [("mfg_crowd_modelling", "crowd_modelling", {"size": 10, "horizon": 10}, 3)]
    with tempfile.TemporaryDirectory() as tmp:
        for os_name, our_name, params, actions in cases:
            game = pyspiel.load_game(os_name, params)
            states = decision_states(game)
            runs = [("uniform", policy_std.UniformRandomPolicy(game))]
            fp = fixed_point.FixedPoint(game)
            fic = fictitious_play.FictitiousPlay(game)
            md1 = mirror_descent.MirrorDescent(game, lr=1.0)
            md01 = mirror_descent.MirrorDescent(game, lr=0.1)
            for _ in range(args.iterations):
                fp.iteration(); fic.iteration(); md1.iteration(); md01.iteration()
            runs += [("fixed point", fp.get_policy()), ("fictitious play", fic.get_policy()),
                     ("mirror descent lr 1", md1.get_policy()), ("mirror descent lr 0.1", md01.get_policy())]
            print(f"{our_name} {params}, {args.iterations} iterations of OpenSpiel's algorithms:")
            print(f"  {'policy':24s} {'OpenSpiel nash_conv':>20s} {'true exploitability (solve-mfg)':>34s}")
            for label, pol in runs:
                nc = nash_conv.NashConv(game, pol).nash_conv()
                pi = export(game, pol, states, params["horizon"], params["size"], actions)
                path = os.path.join(tmp, "pi.npy")
                np.save(path, pi)
                cmd = [args.solve_mfg, "rl", "evaluate", "--policy", path, "--game", our_name]
                cmd += sum((["--set", f"{k}={v}"] for k, v in params.items()), [])
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
                true = float(out.rsplit("exploitability", 1)[1])
                print(f"  {label:24s} {nc:20.10f} {true:34.10f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
