"""The package without the binary: files, layouts, parameters, errors."""
import json
import math
import os
import tempfile
import unittest
from pathlib import Path

import numpy as np

import solve_mfg


class OutputFiles(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_load_output_round_trip(self):
        m = np.arange(12.0).reshape(3, 4)
        np.save(self.dir / "m.npy", m)
        np.savez(self.dir / "data.npz", a=np.ones(3), b=np.arange(2))
        (self.dir / "convergence.csv").write_text(
            "iteration,hjb_residual,phase,krylov_products\n1,0.5,newton,\n2,1e-11,newton,7\n")
        (self.dir / "summary.json").write_text(json.dumps({"converged": True, "lambda": "NaN", "list": ["Infinity", 1]}))
        (self.dir / "extra.json").write_text("{\"k\": 1}")
        out = solve_mfg.load_output(self.dir)
        np.testing.assert_array_equal(out.arrays["m"], m)
        self.assertEqual(out.arrays["m"].dtype, np.float64)
        np.testing.assert_array_equal(out.arrays["data"]["b"], [0, 1])
        table = out.tables["convergence"]
        self.assertEqual(table.dtype.names, ("iteration", "hjb_residual", "phase", "krylov_products"))
        self.assertEqual(table["iteration"].dtype, np.int64)
        np.testing.assert_array_equal(table["hjb_residual"], [0.5, 1e-11])
        self.assertEqual(list(table["phase"]), ["newton", "newton"])
        self.assertTrue(math.isnan(table["krylov_products"][0]))
        self.assertEqual(table["krylov_products"][1], 7)
        self.assertTrue(out["converged"])
        self.assertTrue(math.isnan(out["lambda"]))
        self.assertEqual(out["list"], [math.inf, 1])
        self.assertEqual(out.json["extra"], {"k": 1})
        self.assertEqual(out.summary, dict(out))
        self.assertIn("m.npy", out.files)

    def test_missing_directory(self):
        with self.assertRaises(FileNotFoundError):
            solve_mfg.load_output(self.dir / "nothing")

    def test_save_policy_checks_rows(self):
        pi = solve_mfg.uniform_policy(2, 3, 4)
        path = solve_mfg.save_policy(self.dir / "pi.npy", pi)
        np.testing.assert_array_equal(np.load(path), pi)
        pi[1, 2] = [0.5, 0.5, 0.5, 0]
        with self.assertRaisesRegex(ValueError, r"pi\[t = 1, s = 2, :\] is not a probability distribution"):
            solve_mfg.save_policy(self.dir / "bad.npy", pi)
        with self.assertRaisesRegex(ValueError, "3 dimensions"):
            solve_mfg.check_policy(np.ones((2, 3)))

    def test_save_control(self):
        t, x = np.linspace(0, 1, 5), np.linspace(0, 1, 7)
        path = solve_mfg.save_control(self.dir / "a.npz", np.zeros((5, 7)), x, t)
        with np.load(path) as z:
            self.assertEqual(sorted(z.files), ["alpha", "t", "x"])
        with self.assertRaisesRegex(ValueError, "its axes make"):
            solve_mfg.save_control(self.dir / "b.npz", np.zeros((4, 7)), x, t)


class GameParameters(unittest.TestCase):
    def test_format(self):
        f = solve_mfg.format_value
        self.assertEqual(f(True), "true")
        self.assertEqual(f(10), "10")
        self.assertEqual(f(1.0), "1")
        self.assertEqual(f(0.1), "0.1")
        self.assertEqual(f(np.float64(0.7)), "0.7")
        self.assertEqual(f([(2, 2), (6, 5)]), "[2|2;6|5]")
        self.assertEqual(f([0.4, 0.6]), "[0.4;0.6]")
        self.assertEqual(f("[1|1]"), "[1|1]")

    def test_openspiel_names_and_defaults(self):
        name, params = solve_mfg.game_of_openspiel(
            "mfg_crowd_modelling_2d", {"size": 6, "horizon": 5, "only_distribution_reward": True, "forbidden_states": "[]"})
        self.assertEqual(name, "crowd_modelling_2d")
        self.assertEqual(params, {"size": 6, "horizon": 5, "only_distribution_reward": True})
        self.assertEqual(solve_mfg.game_flags("mean_field_lin_quad", {"mean_revert": 0.7}),
                         ["--game", "linear_quadratic", "--set", "mean_revert=0.7"])
        self.assertEqual(solve_mfg.set_flags({"nu": 0.02, "T": 2}), ["--set", "nu=0.02", "--set", "T=2"])


class MFGLibLayout(unittest.TestCase):
    """from_mfglib on plain arrays (the MFGLib tests compare with MFGLib itself)."""

    def test_flattening_multidimensional_states(self):
        class Env:  # what from_mfglib reads of an mfglib Environment
            T, S, A = 2, (2, 3), (4,)
        rng = np.random.default_rng(0)
        tensor = rng.random((3, 2, 3, 4))
        tensor /= tensor.sum(axis=-1, keepdims=True)
        gp = solve_mfg.from_mfglib(tensor, env=Env(), game="some_game")
        self.assertEqual(gp.pi.shape, (3, 6, 4))
        np.testing.assert_allclose(gp.pi[1, 1 * 3 + 2], tensor[1, 1, 2], rtol=1e-15)
        with self.assertRaisesRegex(ValueError, r"\(T\+1, \*S, \*A\) = \(3, 2, 3, 4\)"):
            solve_mfg.from_mfglib(tensor[:2], env=Env(), game="some_game")

    def test_clean_like_mfglib(self):
        pi = np.array([[[2.0, -1.0, 2.0], [0.0, 0.0, 0.0], [np.nan, 1.0, 0.0]]])
        out = solve_mfg.clean_like_mfglib(pi)
        np.testing.assert_allclose(out, [[[0.5, 0, 0.5], [1 / 3] * 3, [1 / 3] * 3]])

    def test_left_right_is_wardrop(self):
        pi = np.zeros((2, 3, 2))
        pi[..., 0] = 1
        gp = solve_mfg.from_mfglib(pi, environment="left_right")
        self.assertEqual((gp.game, gp.pi.shape), ("wardrop", (1, 3, 2)))
        self.assertEqual(gp.parameters, {"time_a": 0, "slope_a": 1, "time_b": 0, "slope_b": 2})
        with self.assertRaisesRegex(ValueError, "no solve-mfg counterpart"):
            solve_mfg.from_mfglib(pi, environment="beach_bar")
        with self.assertRaisesRegex(ValueError, "which solve-mfg game"):
            solve_mfg.from_mfglib(pi)


class Binary(unittest.TestCase):
    def test_missing_binary_is_a_clear_error(self):
        with self.assertRaisesRegex(solve_mfg.BinaryNotFound, "not an executable"):
            solve_mfg.find_binary("/nonexistent/solve-mfg")
        saved = os.environ.get("SOLVE_MFG")
        os.environ["SOLVE_MFG"] = "/nonexistent/solve-mfg"
        try:
            with self.assertRaisesRegex(solve_mfg.BinaryNotFound, r"\$SOLVE_MFG"):
                solve_mfg.find_binary()
        finally:
            if saved is None:
                del os.environ["SOLVE_MFG"]
            else:
                os.environ["SOLVE_MFG"] = saved


if __name__ == "__main__":
    unittest.main()
