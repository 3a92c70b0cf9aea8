"""solve-mfg's commands from Python: each runs the binary and returns its output directory as an
`Output` (a dict: summary.json; `.arrays`, `.tables`: the files it wrote, as numpy arrays)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from .cli import run
from .game_params import game_flags, set_flags
from .outputs import Output, load_output, save_control
from .policies import GamePolicy, check_policy

__all__ = ["rl_evaluate", "rl_run", "evaluate", "nplayer", "solve"]

PathLike = Union[str, "os.PathLike[str]"]


class _Directory:
    """The output directory: `out` if given (kept), else a temporary one (removed after loading)."""

    def __init__(self, out: Optional[PathLike]):
        self.out = out
        self._tmp = None

    def __enter__(self):
        if self.out is not None:
            return Path(self.out), Path(self.out)
        self._tmp = tempfile.TemporaryDirectory(prefix="solve-mfg-")
        return Path(self._tmp.name) / "out", Path(self._tmp.name)

    def __exit__(self, *exc):
        if self._tmp is not None:
            self._tmp.cleanup()


def _finish(directory: Path, keep: bool) -> Output:
    output = load_output(directory, mmap=False)
    if not keep:
        output.path = None
    return output


def _policy_file(policy, scratch: Path) -> str:
    if isinstance(policy, (str, os.PathLike)):
        return str(policy)
    path = scratch / "policy.npy"
    np.save(path, check_policy(policy.pi if isinstance(policy, GamePolicy) else policy))
    return str(path)


def _game_arguments(policy, game, parameters, problem, nx) -> list:
    if problem is not None:
        if game is not None:
            raise ValueError("give either game= or problem=, not both")
        args = ["--problem", str(problem)] + set_flags(parameters)
        return args + (["--nx", str(nx)] if nx is not None else [])
    if game is None:
        if not isinstance(policy, GamePolicy):
            raise ValueError("say which game: game= (a solve-mfg or OpenSpiel name, or a pyspiel game), or pass a "
                             "GamePolicy from from_openspiel() / from_mfglib()")
        return policy.flags() + set_flags(parameters)
    return game_flags(game, parameters)


def rl_evaluate(policy, game=None, parameters: Optional[Mapping[str, object]] = None, problem: Optional[str] = None,
                nx: Optional[int] = None, out: Optional[PathLike] = None, binary: Optional[str] = None) -> Output:
    """`solve-mfg rl evaluate`: the exact value and exploitability of pi[t, s, a] (an array, a GamePolicy,
    or the path of an .npy) in a finite game: `game` (solve-mfg's or OpenSpiel's name, or a pyspiel game)
    with `parameters`, or the game of the GamePolicy, or a continuous `problem` discretised on `nx` cells.
    Returns summary.json (value, exploitability, game, parameters, states, actions, horizon; with a
    problem l1_distance_to_pde, w1_distance_to_pde) with the arrays distribution [H+1, S],
    policy_value and best_response_value [H+1, S]."""
    with _Directory(out) as (directory, scratch):
        arguments = ["rl", "evaluate", "--policy", _policy_file(policy, scratch),
                     *_game_arguments(policy, game, parameters, problem, nx), "--out", str(directory)]
        run(arguments, binary=binary)
        return _finish(directory, out is not None)


def rl_run(game=None, algorithm: str = "mirror-descent", parameters: Optional[Mapping[str, object]] = None,
           iterations: Optional[int] = None, learning_rate: Optional[float] = None, objective: Optional[str] = None,
           problem: Optional[str] = None, nx: Optional[int] = None, extra: Sequence[str] = (),
           out: Optional[PathLike] = None, binary: Optional[str] = None) -> Output:
    """`solve-mfg rl run`: a tabular algorithm on a finite game (`game` with `parameters`, or a continuous
    `problem` discretised on `nx` cells); policy [H, S, A], distribution, the table exploitability
    (iteration, exploitability, seconds) and summary.json. `extra` adds flags as they are (e.g.
    ["--temperature", "0.5"])."""
    if (game is None) == (problem is None):
        raise ValueError("give either game= or problem=")
    arguments = ["rl", "run", *_game_arguments(None, game, parameters, problem, nx), "--algorithm", algorithm, "--quiet"]
    if iterations is not None:
        arguments += ["--iterations", str(iterations)]
    if learning_rate is not None:
        arguments += ["--learning-rate", repr(float(learning_rate))]
    if objective is not None:
        arguments += ["--objective", objective]
    with _Directory(out) as (directory, _):
        run([*arguments, *map(str, extra), "--out", str(directory)], binary=binary)
        return _finish(directory, out is not None)


def _control_file(control, scratch: Path) -> str:
    if isinstance(control, (str, os.PathLike)):
        return str(control)
    if isinstance(control, Mapping):
        arrays = dict(control)
        path = scratch / "control.npz"
        if "alpha_x" in arrays:
            return save_control(path, arrays["alpha_x"], arrays["x"], arrays.get("t"), arrays["alpha_y"], arrays["y"])
        return save_control(path, arrays["alpha"], arrays["x"], arrays.get("t"))
    raise TypeError("control must be the path of an .npz / .npy file, or a dict with alpha (alpha_x, alpha_y) and "
                    "the axes x (y) and t")


def _grid(nx, nt, ny=None) -> list:
    args = []
    for flag, value in (("--nx", nx), ("--ny", ny), ("--nt", nt)):
        if value is not None:
            args += [flag, str(value)]
    return args


def evaluate(problem: str, control, parameters: Optional[Mapping[str, object]] = None, nx: Optional[int] = None,
             nt: Optional[int] = None, ny: Optional[int] = None, error_estimate: bool = False,
             extra: Sequence[str] = (), out: Optional[PathLike] = None, binary: Optional[str] = None) -> Output:
    """`solve-mfg evaluate`: the exploitability of a feedback control a(t, x) in a continuous problem.
    `control` is a path (.npz, or .npy with its axes beside it) or a dict {"alpha": [Nt, Nx], "t": [Nt],
    "x": [Nx]} (2D: alpha_x, alpha_y, y). Returns summary.json with the arrays m, alpha, u, alpha_br,
    m_equilibrium (docs/exploitability.md)."""
    with _Directory(out) as (directory, scratch):
        arguments = ["evaluate", str(problem), "--control", _control_file(control, scratch), *set_flags(parameters),
                     *_grid(nx, nt, ny), "--quiet", "--no-pictures"]
        if error_estimate:
            arguments.append("--error-estimate")
        run([*arguments, *map(str, extra), "--out", str(directory)], binary=binary)
        return _finish(directory, out is not None)


def nplayer(problem: Optional[str] = None, control=None, game=None, policy=None,
            parameters: Optional[Mapping[str, object]] = None, players: Sequence[int] = (10, 100, 1000, 10000),
            runs: int = 20, seed: int = 0, nx: Optional[int] = None, nt: Optional[int] = None,
            bandwidth: Optional[float] = None, extra: Sequence[str] = (), out: Optional[PathLike] = None,
            binary: Optional[str] = None) -> Output:
    """`solve-mfg nplayer`: epsilon_N of the N-player game where everyone uses the policy; a continuous
    `problem` with a feedback `control` (as for evaluate), or a finite game with `policy` (pi[t, s, a],
    a GamePolicy, or an .npy; the game from `game` or the GamePolicy). Returns summary.json (estimates,
    fitted_rate, fitted_constant) with the table epsilon (players, epsilon, low, high, ...)."""
    with _Directory(out) as (directory, scratch):
        arguments = ["nplayer"]
        if problem is not None:
            if control is None or policy is not None or game is not None:
                raise ValueError("a continuous problem takes control= (and neither game= nor policy=)")
            arguments += [str(problem), "--control", _control_file(control, scratch), *set_flags(parameters),
                          *_grid(nx, nt)]
        else:
            if policy is None:
                raise ValueError("give problem= with control=, or a finite game's policy= (with game=)")
            arguments += ["--policy", _policy_file(policy, scratch), *_game_arguments(policy, game, parameters, None, None)]
        arguments += ["--players", ",".join(str(int(n)) for n in players), "--runs", str(runs), "--seed", str(seed),
                      "--no-pictures"]
        if bandwidth is not None:
            arguments += ["--bandwidth", repr(float(bandwidth))]
        run([*arguments, *map(str, extra), "--out", str(directory)], binary=binary)
        return _finish(directory, out is not None)


def solve(problem: str, parameters: Optional[Mapping[str, object]] = None, nx: Optional[int] = None,
          nt: Optional[int] = None, ny: Optional[int] = None, extra: Sequence[str] = (),
          out: Optional[PathLike] = None, binary: Optional[str] = None, pictures: bool = False) -> Output:
    """`solve-mfg solve`: the equilibrium of a continuous problem (catalogue name or .toml file). Returns
    summary.json with the arrays x, t, m, u, alpha (2D: y, alpha_x, alpha_y, active) and the table
    convergence (docs/output.md). A solve that does not converge (exit code 3) still returns its output,
    with summary["converged"] False and summary["stop_reason"]."""
    arguments = ["solve", str(problem), *set_flags(parameters), *_grid(nx, nt, ny), "--quiet"]
    if not pictures:
        arguments.append("--no-pictures")
    with _Directory(out) as (directory, _):
        run([*arguments, *map(str, extra), "--out", str(directory)], binary=binary, allowed=(0, 3))
        return _finish(directory, out is not None)
