"""Reading and writing solve-mfg's files: output directories, policies, controls."""
from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Dict, Optional, Union

import numpy as np

__all__ = ["Output", "load_output", "read_csv", "read_json", "save_policy", "save_control"]

PathLike = Union[str, "os.PathLike[str]"]

_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class Output(dict):
    """An output directory of solve-mfg. The dict itself is summary.json (empty if there is none);
    `arrays` holds every .npy (by file name without .npy; an .npz becomes a dict of its arrays),
    `tables` every .csv as a numpy structured array (columns by name: `tables["epsilon"]["players"]`),
    `json` every other .json file, `files` the names of all files, and `path` the directory (None when
    it was a temporary one, already removed)."""

    def __init__(self, summary=None, arrays=None, tables=None, json_files=None, files=(), path=None):
        super().__init__(summary or {})
        self.arrays: Dict[str, np.ndarray] = dict(arrays or {})
        self.tables: Dict[str, np.ndarray] = dict(tables or {})
        self.json: Dict[str, object] = dict(json_files or {})
        self.files = sorted(files)
        self.path: Optional[Path] = path

    @property
    def summary(self) -> dict:
        """summary.json (the dict itself, as a plain dict)."""
        return dict(self)

    def __repr__(self):
        where = str(self.path) if self.path else "a temporary directory"
        return (f"Output({where}: summary keys {sorted(self)}, arrays "
                f"{ {k: getattr(v, 'shape', None) for k, v in self.arrays.items()} }, tables {sorted(self.tables)})")


def _finite(value):
    """JSON from solve-mfg writes non-finite numbers as the strings "NaN", "Infinity", "-Infinity"."""
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def read_json(path: PathLike) -> object:
    """A JSON file of solve-mfg, with its "NaN" / "Infinity" strings turned into floats."""
    with open(path, encoding="utf-8") as f:
        return _finite(json.load(f))


def _column(cells):
    """A CSV column as int64 (all integers), float64 (numbers; empty cells NaN) or str."""
    present = [c for c in cells if c != ""]
    try:
        if present and len(present) == len(cells) and all(str(int(c)) == c.lstrip("+") for c in present):
            return np.array([int(c) for c in cells], dtype=np.int64)
    except ValueError:
        pass
    try:
        return np.array([float(c) if c != "" else math.nan for c in cells], dtype=np.float64)
    except ValueError:
        return np.array(cells, dtype=str)


def read_csv(path: PathLike) -> np.ndarray:
    """A CSV file with a header line as a structured array (one field per column: int64, float64 with
    NaN for empty cells, or str)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return np.zeros(0, dtype=[])
    header, body = rows[0], rows[1:]
    columns = [_column([row[i] if i < len(row) else "" for row in body]) for i in range(len(header))]
    dtype = [(name, c.dtype) for name, c in zip(header, columns)]
    table = np.zeros(len(body), dtype=dtype)
    for name, c in zip(header, columns):
        table[name] = c
    return table


def load_output(directory: PathLike, mmap: bool = False) -> Output:
    """Every file of an output directory (solve, evaluate, nplayer, rl run, rl evaluate --out, ...):
    .npy as numpy arrays (memory-mapped with mmap=True), .npz as dicts of arrays, .csv as structured
    arrays, summary.json as the dict itself and other .json files in `json`."""
    path = Path(directory)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such output directory")
    arrays, tables, json_files, summary, files = {}, {}, {}, None, []
    for entry in sorted(path.iterdir()):
        if not entry.is_file():
            continue
        files.append(entry.name)
        stem, suffix = entry.stem, entry.suffix.lower()
        if suffix == ".npy":
            arrays[stem] = np.load(entry, mmap_mode="r" if mmap else None, allow_pickle=False)
        elif suffix == ".npz":
            with np.load(entry, allow_pickle=False) as z:
                arrays[stem] = {k: z[k] for k in z.files}
        elif suffix == ".csv":
            tables[stem] = read_csv(entry)
        elif suffix == ".json":
            if entry.name == "summary.json":
                summary = read_json(entry)
            else:
                json_files[stem] = read_json(entry)
    return Output(summary, arrays, tables, json_files, files, path.resolve())


def save_policy(path: PathLike, pi) -> str:
    """Writes pi[t, s, a] as the float64 .npy that `rl evaluate --policy` and `nplayer --policy` read."""
    from .policies import check_policy
    pi = check_policy(pi)
    np.save(path, pi)
    return str(path)


def save_control(path: PathLike, alpha, x, t=None, alpha_y=None, y=None) -> str:
    """Writes a feedback control as the .npz that `evaluate --control` and `nplayer --control` read:
    1D `alpha[Nt, Nx]` on the axes t, x (leave t out for a stationary control alpha[Nx]); 2D `alpha`
    (the x component, [Nt, Nx, Ny]) with `alpha_y` and the axis y."""
    arrays = {"x": np.asarray(x, dtype=np.float64)}
    if t is not None:
        arrays["t"] = np.asarray(t, dtype=np.float64)
    if alpha_y is None:
        arrays["alpha"] = np.asarray(alpha, dtype=np.float64)
    else:
        if y is None:
            raise ValueError("a 2D control needs the axis y")
        arrays["alpha_x"] = np.asarray(alpha, dtype=np.float64)
        arrays["alpha_y"] = np.asarray(alpha_y, dtype=np.float64)
        arrays["y"] = np.asarray(y, dtype=np.float64)
    expected = tuple(len(arrays[k]) for k in ("t", "x", "y") if k in arrays)
    for name in ("alpha", "alpha_x", "alpha_y"):
        if name in arrays and arrays[name].shape != expected:
            raise ValueError(f"{name} has shape {arrays[name].shape}, but its axes make {expected}")
    path = str(path)
    if not path.endswith(".npz"):
        raise ValueError(f"{path}: a control file must end in .npz")
    np.savez(path, **arrays)
    return path
