"""The package through the binary: solve, evaluate, nplayer, rl run and rl evaluate on small grids,
and the errors solve-mfg reports."""
import tempfile
import unittest
from pathlib import Path

import numpy as np

import solve_mfg
from _support import binary


class Commands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.binary = binary()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_solve_then_evaluate_its_control(self):
        out = solve_mfg.solve("lq-1d", nx=100, nt=20, out=self.dir / "lq")
        self.assertTrue(out["converged"])
        self.assertEqual(out.arrays["m"].shape, (21, 100))
        self.assertEqual(out.arrays["alpha"].shape, (21, 100))
        h = out.arrays["x"][1] - out.arrays["x"][0]
        np.testing.assert_allclose(out.arrays["m"].sum(axis=1) * h, 1, atol=1e-12)
        self.assertEqual(out.tables["convergence"]["iteration"][-1], out["iterations"])
        self.assertEqual(out.path, (self.dir / "lq").resolve())
        # The scheme's own equilibrium feedback has exploitability 0 on its own grid (docs/exploitability.md),
        # given as arrays (written to an .npz) and as the solve's alpha.npy with its axes beside it.
        control = {"alpha": out.arrays["alpha"][:-1], "t": out.arrays["t"][:-1], "x": out.arrays["x"]}
        for given in (control, str(self.dir / "lq" / "alpha.npy")):
            e = solve_mfg.evaluate("lq-1d", given, nx=100, nt=20)
            self.assertLess(abs(e["exploitability"]), 1e-8)
            self.assertEqual(e.arrays["m"].shape, (21, 100))
            self.assertIsNone(e.path)  # a temporary directory, removed
        half = dict(control, alpha=control["alpha"] / 2)
        self.assertGreater(solve_mfg.evaluate("lq-1d", half, nx=100, nt=20)["exploitability"], 1e-3)

    def test_solve_parameters_and_non_convergence(self):
        out = solve_mfg.solve("congestion-lst-1d", nx=50, nt=50, extra=["--max-iterations", "2"])
        self.assertFalse(out["converged"])
        self.assertIn("stop_reason", out)
        out = solve_mfg.solve("lq-1d", parameters={"nu": 0.2}, nx=40, nt=10)
        self.assertEqual(out["run"]["parameters"]["nu"], 0.2)

    def test_rl_run_then_rl_evaluate(self):
        run = solve_mfg.rl_run("crowd_modelling", "fictitious-play", parameters={"size": 10, "horizon": 10}, iterations=5)
        self.assertAlmostEqual(run["initial_exploitability"], 2.78668241629834, places=10)
        self.assertEqual(run.tables["exploitability"]["iteration"][-1], 5)
        e = solve_mfg.rl_evaluate(run.arrays["policy"], game="crowd_modelling", parameters={"size": 10, "horizon": 10})
        self.assertAlmostEqual(e["exploitability"], run["exploitability"], places=12)
        np.testing.assert_array_equal(e.arrays["distribution"], run.arrays["distribution"])
        self.assertEqual(e.arrays["policy_value"].shape, (11, 10))
        mu0 = e.arrays["distribution"][0]
        self.assertAlmostEqual(mu0 @ e.arrays["policy_value"][0], e["value"], places=12)
        self.assertAlmostEqual(mu0 @ (e.arrays["best_response_value"][0] - e.arrays["policy_value"][0]),
                               e["exploitability"], places=12)

    def test_uniform_policy_values(self):
        """The uniform policies' true values and exploitabilities (docs/rl.md, peer-numbers.md)."""
        e = solve_mfg.rl_evaluate(solve_mfg.uniform_policy(10, 10, 3), game="mfg_crowd_modelling")
        self.assertAlmostEqual(e["value"], 27.42585, places=5)
        self.assertAlmostEqual(e["exploitability"], 2.78668241629834, places=10)
        e = solve_mfg.rl_evaluate(solve_mfg.uniform_policy(10, 10, 7), game="mean_field_lin_quad")
        self.assertAlmostEqual(e["value"], -38.625, places=3)
        self.assertAlmostEqual(e["exploitability"], 29.5226, places=4)

    def test_rl_evaluate_on_a_discretised_problem(self):
        run = solve_mfg.rl_run(problem="crowd-aversion-1d", nx=20, iterations=5)
        e = solve_mfg.rl_evaluate(run.arrays["policy"], problem="crowd-aversion-1d", nx=20)
        self.assertAlmostEqual(e["exploitability"], run["exploitability"], places=12)
        self.assertGreater(e["l1_distance_to_pde"], 0)

    def test_nplayer_finite_and_continuous(self):
        r = solve_mfg.nplayer(game="crowd_modelling", policy=solve_mfg.uniform_policy(10, 10, 3), players=[10, 100], runs=20)
        table = r.tables["epsilon"]
        np.testing.assert_array_equal(table["players"], [10, 100])
        self.assertTrue(np.all(table["low"] <= table["epsilon"]) and np.all(table["epsilon"] <= table["high"]))
        self.assertEqual(len(r["estimates"]), 2)
        self.assertGreater(r["estimates"][1]["epsilon"], 2)  # the uniform policy: near its exploitability 2.79
        x = np.linspace(0, 1, 50, endpoint=False)
        r = solve_mfg.nplayer("crowd-aversion-1d", control={"alpha": np.zeros(50), "x": x}, players=[10, 20], runs=4,
                              nx=50, nt=20)
        self.assertEqual(list(r.tables["epsilon"]["players"]), [10, 20])
        self.assertIn("fitted_rate", r)

    def test_errors(self):
        with self.assertRaises(solve_mfg.SolveMFGError) as caught:
            solve_mfg.rl_evaluate(solve_mfg.uniform_policy(10, 10, 3), game="crowd_modeling")
        self.assertEqual(caught.exception.returncode, 65)
        self.assertIn("did you mean 'crowd_modelling'", str(caught.exception))
        with self.assertRaises(solve_mfg.SolveMFGError) as caught:
            solve_mfg.rl_evaluate(solve_mfg.uniform_policy(10, 11, 3), game="crowd_modelling")
        self.assertIn("needs [H, S, A]", str(caught.exception))
        with self.assertRaises(solve_mfg.SolveMFGError) as caught:
            solve_mfg.solve("lq-1d", parameters={"mu": 1})
        self.assertIn("did you mean 'nu'", str(caught.exception))
        with self.assertRaisesRegex(ValueError, "say which game"):
            solve_mfg.rl_evaluate(solve_mfg.uniform_policy(10, 10, 3))
        with self.assertRaisesRegex(ValueError, "not a probability distribution"):
            solve_mfg.rl_evaluate(np.ones((10, 10, 3)), game="crowd_modelling")

    def test_load_output_of_any_command(self):
        solve_mfg.rl_run("wardrop", objective="social", out=self.dir / "wardrop")
        out = solve_mfg.load_output(self.dir / "wardrop")
        self.assertAlmostEqual(out["social"]["price_of_anarchy"], 12 / 11, places=4)
        self.assertEqual(set(out.arrays), {"policy", "distribution", "equilibrium_policy", "equilibrium_distribution"})
        self.assertIn("exploitability.png", out.files)


if __name__ == "__main__":
    unittest.main()
