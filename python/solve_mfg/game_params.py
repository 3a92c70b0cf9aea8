"""OpenSpiel game names and parameter dicts -> solve-mfg's `--game NAME --set name=value` flags."""
from __future__ import annotations

import math
from typing import Dict, List, Mapping, Optional, Tuple

__all__ = ["OPENSPIEL_NAMES", "OPENSPIEL_DEFAULTS", "format_value", "set_flags", "game_of_openspiel",
           "game_flags"]

#: OpenSpiel 2.0.2's short names -> solve-mfg's game names (solve-mfg accepts both).
OPENSPIEL_NAMES = {
    "mfg_crowd_modelling": "crowd_modelling",
    "python_mfg_crowd_modelling": "crowd_modelling",
    "mfg_crowd_modelling_2d": "crowd_modelling_2d",
    "mean_field_lin_quad": "linear_quadratic",
    "python_mfg_periodic_aversion": "periodic_aversion",
}

#: OpenSpiel 2.0.2's default parameters of each game (`pyspiel.load_game(name).get_parameters()`).
OPENSPIEL_DEFAULTS: Dict[str, Dict[str, object]] = {
    "crowd_modelling": {"size": 10, "horizon": 10},
    "crowd_modelling_2d": {
        "size": 10, "horizon": 10, "crowd_aversion_coef": 1.0, "noise_intensity": 1.0,
        "only_distribution_reward": False, "with_congestion": False, "forbidden_states": "[]",
        "initial_distribution": "[]", "initial_distribution_value": "[]", "positional_reward": "[]",
        "positional_reward_value": "[]"},
    "linear_quadratic": {
        "size": 10, "horizon": 10, "dt": 1.0, "n_actions_per_side": 3, "volatility": 1.0, "mean_revert": 0.0,
        "cross_q": 0.01, "kappa": 0.5, "terminal_cost": 1.0, "spatial_bias": 0},
    "periodic_aversion": {
        "size": 21, "horizon": 20, "dt": 0.01, "xmin": 0.0, "xmax": 1.0, "n_actions_per_side": 10,
        "volatility": 1.0, "coef_aversion": 1.0},
}

# OpenSpiel's crowd_modelling_2d presets (open_spiel.python.mfg.games.crowd_modelling_2d.FOUR_ROOMS, MAZE),
# which solve-mfg names as games of their own; recognised by these parameters.
# (horizon stays a parameter: solve-mfg's presets take another horizon, as OpenSpiel's dicts do.)
_PRESET_KEYS = ("size", "forbidden_states", "initial_distribution", "initial_distribution_value")


def format_value(value) -> str:
    """A parameter value in OpenSpiel's syntax: true/false, integers without a decimal point, reals
    with full precision, lists of cells [(x, y), ...] as "[x|y;...]", lists of numbers as "[a;b]",
    strings as they are (OpenSpiel's own parameters already use this syntax: "[1|1;0|2]")."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"parameter value {value} is not finite")
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(float(value))
    if isinstance(value, str):
        return value
    items = list(value)
    if all(isinstance(v, (tuple, list)) for v in items):
        return "[" + ";".join("|".join(format_value(c) for c in v) for v in items) + "]"
    return "[" + ";".join(format_value(v) for v in items) + "]"


def set_flags(parameters: Optional[Mapping[str, object]]) -> List[str]:
    """`["--set", "name=value", ...]` for a parameter dict (values in OpenSpiel's syntax)."""
    flags: List[str] = []
    for name, value in (parameters or {}).items():
        flags += ["--set", f"{name}={format_value(value)}"]
    return flags


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, str):
        return float(a) == float(b)
    return format_value(a) == format_value(b)


def game_of_openspiel(name: str, parameters: Optional[Mapping[str, object]] = None) -> Tuple[str, Dict[str, object]]:
    """solve-mfg's game name and the parameters to pass for an OpenSpiel game name (short name, e.g.
    "mfg_crowd_modelling_2d", or solve-mfg's own) and its parameter dict (e.g. `game.get_parameters()`):
    numbers and booleans are all kept (the game is then the same whatever the defaults), list parameters
    ("[x|y;...]") equal to OpenSpiel's default are left out, and the four-rooms and maze presets of
    crowd_modelling_2d become solve-mfg's games crowd_modelling_2d_four_rooms and crowd_modelling_2d_maze."""
    game = OPENSPIEL_NAMES.get(name, name)
    params = dict(parameters or {})
    defaults = OPENSPIEL_DEFAULTS.get(game, {})
    if game == "crowd_modelling_2d":
        preset = _preset(params)
        if preset:
            game = preset
            params = {k: v for k, v in params.items() if k not in _PRESET_KEYS}
    chosen = {k: v for k, v in params.items()
              if not (k in defaults and isinstance(defaults[k], str) and _same(v, defaults[k]))}
    return game, chosen


def _preset(params: Mapping[str, object]) -> Optional[str]:
    try:  # OpenSpiel's own preset strings, when OpenSpiel is installed
        from open_spiel.python.mfg.games import crowd_modelling_2d as cm2d
        presets = {"crowd_modelling_2d_four_rooms": cm2d.FOUR_ROOMS, "crowd_modelling_2d_maze": cm2d.MAZE}
    except Exception:  # noqa: BLE001 (any import failure: OpenSpiel absent or broken)
        return None
    for ours, preset in presets.items():
        if all(k in params and _same(params[k], preset[k]) for k in _PRESET_KEYS):
            return ours
    return None


def game_flags(game, parameters: Optional[Mapping[str, object]] = None) -> List[str]:
    """`["--game", NAME, "--set", ...]` for a pyspiel game object, or for a game name (OpenSpiel's or
    solve-mfg's) with a parameter dict."""
    if hasattr(game, "get_type") and hasattr(game, "get_parameters"):
        name, params = game_of_openspiel(game.get_type().short_name, game.get_parameters())
        if parameters:
            params.update(parameters)
    else:
        name, params = game_of_openspiel(str(game), parameters)
    return ["--game", name, *set_flags(params)]
