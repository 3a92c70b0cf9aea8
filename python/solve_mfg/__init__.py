"""Python access to solve-mfg: export OpenSpiel and MFGLib policies to pi[t, s, a], evaluate them
exactly (`rl_evaluate`), evaluate continuous feedback controls (`evaluate`), validate policies in the
N-player game (`nplayer`), solve problems (`solve`), and load any output directory (`load_output`).

    import solve_mfg
    result = solve_mfg.rl_evaluate(pi, game="crowd_modelling", parameters={"size": 10, "horizon": 10})
    result["exploitability"], result.arrays["distribution"]
"""
from .cli import BinaryNotFound, SolveMFGError, find_binary, run
from .commands import evaluate, nplayer, rl_evaluate, rl_run, solve
from .game_params import format_value, game_flags, game_of_openspiel, set_flags
from .outputs import Output, load_output, read_csv, read_json, save_control, save_policy
from .policies import (MFGLIB_GAMES, GamePolicy, check_policy, clean_like_mfglib, from_mfglib, from_openspiel,
                       openspiel_layout, uniform_policy)

__version__ = "0.1.0"

__all__ = [
    "BinaryNotFound", "SolveMFGError", "find_binary", "run",
    "evaluate", "nplayer", "rl_evaluate", "rl_run", "solve",
    "format_value", "game_flags", "game_of_openspiel", "set_flags",
    "Output", "load_output", "read_csv", "read_json", "save_control", "save_policy",
    "MFGLIB_GAMES", "GamePolicy", "check_policy", "clean_like_mfglib", "from_mfglib", "from_openspiel",
    "openspiel_layout", "uniform_policy",
]
