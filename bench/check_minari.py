#!/usr/bin/env python3
"""Checks that a Minari dataset written by solve-mfg loads with minari and matches its .npz twin.

    bench/.venv-minari/bin/python bench/check_minari.py DATASET_DIR DATASET.npz [--resave OUT.npz]

DATASET_DIR is the directory that contains data/ (as `DatasetFile.write` makes it). minari only
loads datasets by id from $MINARI_DATASETS_PATH/<dataset_id>, so the script makes a temporary
datasets root holding a symlink at the dataset_id read from data/metadata.json, points
MINARI_DATASETS_PATH at it, and calls minari.load_dataset(dataset_id). Every episode's arrays
must equal the npz's rows exactly (floats compared bit for bit). Prints OK, or exits non-zero.
With --resave, also writes the npz's arrays again with numpy.savez to OUT.npz, so that the Swift
reader can be checked on numpy's own writer (DatasetFileTests.testExportForThePythonCheck reads
$SOLVE_MFG_DATASET_EXPORT/numpy_savez.npz when it exists).

Setup: python3 -m venv bench/.venv-minari &&
       bench/.venv-minari/bin/pip install minari==0.5.4 h5py pillow numpy
"""
import json
import os
import sys
import tempfile

import numpy as np


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def same_bits(a, b):
    a = np.ascontiguousarray(a, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64))


def main():
    args = sys.argv[1:]
    resave = None
    if len(args) == 4 and args[2] == "--resave":
        resave = args[3]
        args = args[:2]
    if len(args) != 2:
        print(__doc__)
        sys.exit(2)
    dataset_dir, npz_path = os.path.abspath(args[0]), args[1]
    with open(os.path.join(dataset_dir, "data", "metadata.json")) as f:
        dataset_id = json.load(f)["dataset_id"]

    root = tempfile.mkdtemp(prefix="minari-root-")
    link = os.path.join(root, dataset_id)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(dataset_dir, link)
    os.environ["MINARI_DATASETS_PATH"] = root

    import minari  # after setting MINARI_DATASETS_PATH

    print(f"minari {minari.__version__}, dataset {dataset_id}")
    ds = minari.load_dataset(dataset_id)

    z = np.load(npz_path)  # no allow_pickle: every member is a plain numeric array
    meta = json.loads(z["metadata"].tobytes())
    E, H = meta["episodes"], meta["horizon"]
    expected_shapes = {"states": (E, H + 1), "actions": (E, H), "rewards": (E, H), "behavior_log_prob": (E, H),
                       "mean_field": (E, H), "t": (E, H), "component": (E,)}
    for key, shape in expected_shapes.items():
        if z[key].shape != shape:
            fail(f"npz {key} has shape {z[key].shape}, expected {shape}")
    for key in ("states", "actions", "t", "component"):
        if z[key].dtype != np.int64:
            fail(f"npz {key} is {z[key].dtype}, expected int64")

    if ds.total_episodes != E or ds.total_steps != E * H:
        fail(f"minari has {ds.total_episodes} episodes / {ds.total_steps} steps, npz {E} / {E * H}")
    if ds.observation_space.n != meta["states"] or ds.action_space.n != meta["actions"]:
        fail(f"spaces {ds.observation_space} / {ds.action_space} disagree with the npz metadata")
    solve_mfg = ds.storage.metadata["solve_mfg"]
    if solve_mfg != meta:
        fail("metadata.json solve_mfg differs from the npz metadata")

    count = 0
    for ep in ds.iterate_episodes():
        e = ep.id
        if len(ep) != H:
            fail(f"episode {e} has {len(ep)} steps, expected {H}")
        checks = [
            ("observations", np.array_equal(ep.observations, z["states"][e]) and ep.observations.dtype == np.int64),
            ("actions", np.array_equal(ep.actions, z["actions"][e]) and ep.actions.dtype == np.int64),
            ("rewards", same_bits(ep.rewards, z["rewards"][e])),
            ("terminations", ep.terminations.dtype == np.bool_ and list(ep.terminations) == [False] * (H - 1) + [True]),
            ("truncations", ep.truncations.dtype == np.bool_ and not ep.truncations.any()),
            ("infos/t", np.array_equal(ep.infos["t"], np.arange(H + 1)) and np.array_equal(ep.infos["t"][:H], z["t"][e])),
            ("infos/behavior_log_prob", same_bits(ep.infos["behavior_log_prob"][:H], z["behavior_log_prob"][e])
             and np.isnan(ep.infos["behavior_log_prob"][H])),
            ("infos/mean_field", same_bits(ep.infos["mean_field"][:H], z["mean_field"][e]) and np.isnan(ep.infos["mean_field"][H])),
            ("infos/component", np.all(ep.infos["component"] == z["component"][e]) and len(ep.infos["component"]) == H + 1),
        ]
        for name, ok in checks:
            if not ok:
                fail(f"episode {e}: {name} differs")
        count += 1
    if count != E:
        fail(f"iterated {count} episodes, expected {E}")
    if resave:
        np.savez(resave, **{key: z[key] for key in z.files})
        print(f"re-saved the npz with numpy.savez to {resave}")
    print(f"OK: {count} episodes x {H} steps identical in minari and npz ({npz_path})")


if __name__ == "__main__":
    main()
