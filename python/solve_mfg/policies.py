"""Policies as pi[t, s, a]: exported from OpenSpiel's policy objects and MFGLib's policy tensors.

solve-mfg's layout (docs/rl.md): a float64 array of shape [H, S, A], each row pi[t, s, :] a probability
distribution; H decision steps t = 0 ... H-1, states s = 0 ... S-1 (2D grids: s = x size + y), A actions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .game_params import game_flags, game_of_openspiel

__all__ = ["GamePolicy", "check_policy", "uniform_policy", "openspiel_layout", "from_openspiel",
           "from_mfglib", "MFGLIB_GAMES"]


@dataclass
class GamePolicy:
    """A policy pi[t, s, a] with the solve-mfg game it belongs to (`game`, and `parameters` in
    OpenSpiel's names and syntax, as `--set` takes them)."""
    pi: np.ndarray
    game: str
    parameters: Dict[str, object] = field(default_factory=dict)

    def flags(self) -> List[str]:
        """`["--game", NAME, "--set", "k=v", ...]`."""
        return game_flags(self.game, self.parameters)

    def save(self, path) -> str:
        """Writes pi as the .npy that `rl evaluate --policy` reads."""
        np.save(path, check_policy(self.pi))
        return str(path)


def check_policy(pi, tolerance: float = 1e-6) -> np.ndarray:
    """pi as a C-ordered float64 array [H, S, A], after checking that each row is a probability
    distribution (entries >= 0, sums 1 within `tolerance`, as `rl evaluate` demands)."""
    pi = np.ascontiguousarray(np.asarray(pi, dtype=np.float64))
    if pi.ndim != 3:
        raise ValueError(f"a policy pi[t, s, a] has 3 dimensions [H, S, A]; this one has shape {pi.shape}")
    if not np.all(np.isfinite(pi)):
        t, s, _ = np.argwhere(~np.isfinite(pi))[0]
        raise ValueError(f"pi[t = {t}, s = {s}, :] has a non-finite entry")
    sums = pi.sum(axis=2)
    bad = (np.abs(sums - 1) >= tolerance) | (pi.min(axis=2) < -1e-12)
    if bad.any():
        t, s = np.argwhere(bad)[0]
        raise ValueError(f"pi[t = {t}, s = {s}, :] is not a probability distribution "
                         f"(sum {sums[t, s]:.9g}, min {pi[t, s].min():.3g})")
    return pi


def uniform_policy(horizon: int, states: int, actions: int) -> np.ndarray:
    """The uniform policy [H, S, A] (solve-mfg's games with illegal actions want the uniform over the
    legal ones; `rl run --iterations ...` starts from it)."""
    return np.full((horizon, states, actions), 1.0 / actions)


# ----------------------------------------------------------------------------------------------------
# OpenSpiel

def _key_1d(observation: str) -> Tuple[int, int]:
    x, t = (int(v) for v in observation.strip("()").split(","))
    return t, x


def openspiel_layout(game) -> Tuple[str, Dict[str, object], int, int, int, Callable[[str], Tuple[int, int]]]:
    """For a pyspiel MFG: solve-mfg's game name, its parameters, H, S, A, and the map from a decision
    state's observation string to (t, s). OpenSpiel's decision states are "(x, t)" in 1D
    (crowd_modelling, periodic_aversion; linear_quadratic's t is its tick, H = ceil(horizon / dt)) and
    "(x, y, t)" on crowd_modelling_2d's grid (s = x size + y)."""
    short = game.get_type().short_name
    params = dict(game.get_parameters())
    name, chosen = game_of_openspiel(short, params)
    actions = game.num_distinct_actions()
    size = int(params.get("size", 0))
    if name in ("crowd_modelling", "periodic_aversion"):
        return name, chosen, int(params["horizon"]), size, actions, _key_1d
    if name == "linear_quadratic":
        steps = int(math.ceil(float(params["horizon"]) / float(params["dt"])))
        return name, chosen, steps, size, actions, _key_1d
    if name.startswith("crowd_modelling_2d"):
        def key(observation: str) -> Tuple[int, int]:
            x, y, t = (int(v) for v in observation.strip("()").split(","))
            return t, x * size + y
        return name, chosen, int(params["horizon"]), size * size, actions, key
    raise ValueError(f"OpenSpiel game {short!r} has no solve-mfg counterpart (solve-mfg has crowd_modelling, "
                     "crowd_modelling_2d and its presets, linear_quadratic (mean_field_lin_quad), periodic_aversion)")


def _decision_states(game, key, distribution_policy):
    """The decision states of an MFG by (t, s): the game tree walked with `distribution_policy`
    (a DistributionPolicy) registered at the mean-field nodes."""
    import pyspiel
    found = {}
    frontier = list(game.new_initial_states())
    seen = set()
    while frontier:
        state = frontier.pop()
        if state.is_terminal():
            continue
        text = str(state)
        if text in seen:
            continue
        seen.add(text)
        player = state.current_player()
        if player == pyspiel.PlayerId.CHANCE:
            frontier.extend(state.child(a) for a, _ in state.chance_outcomes())
        elif player == pyspiel.PlayerId.MEAN_FIELD:
            child = state.clone()
            child.update_distribution([distribution_policy.value_str(s, 0.0) for s in state.distribution_support()])
            frontier.append(child)
        else:
            found.setdefault(key(state.observation_string(pyspiel.PlayerId.DEFAULT_PLAYER_ID)), state)
            frontier.extend(state.child(a) for a in state.legal_actions())
    return found


def from_openspiel(game, policy, distribution="own") -> GamePolicy:
    """Exports an OpenSpiel policy of an MFG (any `open_spiel.python.policy.Policy`: tabular, uniform,
    the policies of fictitious play, mirror descent, fixed point, ...) to pi[t, s, a] of the same game
    in solve-mfg, with the game's name and parameters.

    OpenSpiel's policies are read at every decision state of the game tree. Some (fixed point's greedy
    policy, mirror descent's projected one) add the state's reward to the value of each action, and the
    reward depends on the distribution registered in the state object; so by default the states carry
    the policy's own distribution, as OpenSpiel's evaluators (nash_conv) do. `distribution` may instead
    be a DistributionPolicy, or "uniform" (the uniform policy's). States that no history reaches get the
    uniform row (they carry no mass). A TabularPolicy is read at its own states."""
    from open_spiel.python import policy as policy_std
    from open_spiel.python.mfg.algorithms import distribution as distribution_std

    name, params, horizon, states, actions, key = openspiel_layout(game)
    if isinstance(distribution, str) and not hasattr(policy, "state_lookup"):
        if distribution == "own":
            distribution = distribution_std.DistributionPolicy(game, policy)
        elif distribution == "uniform":
            distribution = distribution_std.DistributionPolicy(game, policy_std.UniformRandomPolicy(game))
        else:
            raise ValueError(f"distribution must be 'own', 'uniform' or a DistributionPolicy, not {distribution!r}")
    pi = np.full((horizon, states, actions), 1.0 / actions)
    if hasattr(policy, "states") and hasattr(policy, "state_lookup"):
        # A TabularPolicy is keyed by histories: read it at its own states (one per observation).
        import pyspiel
        table = {}
        for state in policy.states:
            if state.current_player() >= 0:
                table.setdefault(key(state.observation_string(pyspiel.PlayerId.DEFAULT_PLAYER_ID)), state)
    else:
        table = _decision_states(game, key, distribution)
    for (t, s), state in table.items():
        if not (0 <= t < horizon and 0 <= s < states):
            raise ValueError(f"decision state {state} maps to (t, s) = ({t}, {s}), outside [{horizon}, {states}]")
        pi[t, s, :] = 0
        for a, p in policy.action_probabilities(state).items():
            pi[t, s, a] = p
    return GamePolicy(check_policy(pi), name, params)


# ----------------------------------------------------------------------------------------------------
# MFGLib

#: MFGLib 0.3.0's environments that are games of solve-mfg: MFGLib's name -> (solve-mfg game,
#: parameters, number of MFGLib time steps that make solve-mfg's decision steps). MFGLib pays rewards at
#: t = 0 ... T (T + 1 steps); left_right's last step (t = T = 1) pays -mu_1(left) or -2 mu_1(right)
#: whatever the action, which is wardrop's travel time charged at its single step through mu_1.
MFGLIB_GAMES: Dict[str, Tuple[str, Dict[str, object], int]] = {
    "left_right": ("wardrop", {"time_a": 0, "slope_a": 1, "time_b": 0, "slope_b": 2}, 1),
}


def _numpy(tensor) -> np.ndarray:
    if hasattr(tensor, "detach"):  # a torch tensor
        tensor = tensor.detach().cpu().double().numpy()
    return np.asarray(tensor, dtype=np.float64)


def clean_like_mfglib(pi: np.ndarray) -> np.ndarray:
    """MFGLib's own clean-up before it scores a policy: negative entries to 0, each row renormalised,
    rows that sum to 0 (or hold NaN) replaced by the uniform row."""
    pi = np.clip(pi, 0, None)  # NaN stays NaN
    sums = pi.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pi / sums
    bad = ~np.isfinite(out).all(axis=-1) | (sums[..., 0] <= 0)
    out[bad] = 1.0 / pi.shape[-1]
    return out


def from_mfglib(pi, env=None, game: Optional[str] = None, parameters: Optional[Dict[str, object]] = None,
                environment: Optional[str] = None, clean: bool = True) -> GamePolicy:
    """An MFGLib policy tensor of shape (T+1, *S, *A) (torch or numpy) as pi[t, s, a] of shape
    [T+1, prod S, prod A], states and actions flattened in C order (an (l, w) grid's cell (i, j) is
    s = i w + j, solve-mfg's 2D convention).

    `env` (an mfglib Environment) gives S and A for multi-dimensional spaces and is checked against the
    shape. The game to evaluate the policy in is `game` with `parameters` (a solve-mfg game that is the
    same game, e.g. one rebuilt in MFGLib), or, with `environment="left_right"`, the MFGLib environment's
    counterpart in MFGLIB_GAMES (the steps kept are those solve-mfg's game has). With `clean` (default),
    the rows are cleaned as MFGLib's exploitability_score does (clamped at 0, renormalised, uniform where
    empty); otherwise they must already be distributions."""
    array = _numpy(pi)
    if env is not None:
        s_shape = tuple(int(v) for v in env.S)
        a_shape = tuple(int(v) for v in env.A)
        expected = (int(env.T) + 1, *s_shape, *a_shape)
        if array.shape != expected:
            raise ValueError(f"the policy has shape {array.shape}; this environment's is (T+1, *S, *A) = {expected}")
    elif array.ndim != 3:
        raise ValueError(f"a policy of shape {array.shape}: pass env= (the mfglib Environment) to flatten "
                         "multi-dimensional states or actions")
    else:
        s_shape, a_shape = (array.shape[1],), (array.shape[2],)
    flat = array.reshape(array.shape[0], int(np.prod(s_shape)), int(np.prod(a_shape)))
    if clean:
        flat = clean_like_mfglib(flat)
    if environment is not None:
        if environment not in MFGLIB_GAMES:
            raise ValueError(f"MFGLib environment {environment!r} has no solve-mfg counterpart "
                             f"(known: {', '.join(MFGLIB_GAMES)}); pass game= and parameters= of the same game")
        if game is not None:
            raise ValueError("give either environment= or game=, not both")
        game, mapped, steps = MFGLIB_GAMES[environment]
        parameters = dict(mapped, **(parameters or {}))
        flat = flat[:steps]
    if game is None:
        raise ValueError("say which solve-mfg game the policy is for: game= (with parameters=) or environment=")
    return GamePolicy(check_policy(flat), game, dict(parameters or {}))
