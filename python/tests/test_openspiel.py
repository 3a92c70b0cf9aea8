"""OpenSpiel 2.0.2's policies exported to pi[t, s, a] and evaluated exactly by solve-mfg.

Where OpenSpiel's nash_conv is exact (crowd_modelling_2d with only_distribution_reward) it must equal
solve-mfg's exploitability; on the 1D games whose reward charges the previous move, OpenSpiel's
evaluators cache values by "(x, t)" and nash_conv is not the exploitability (docs/rl.md), so there the
check is the distribution: OpenSpiel's own DistributionPolicy equals the one solve-mfg computes for the
exported policy, at every step and state, which tests the map (t, state) -> s of each game; and the
true values documented in docs/rl.md."""
import unittest

import numpy as np

import solve_mfg
from _support import binary, peer

HOW = "install it with `pip install open_spiel==2.0.2` (`make python-test` does, in bench/.venv-python)"


class OpenSpielPolicies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pyspiel = peer("pyspiel", HOW)
        peer("open_spiel.python.mfg.games", HOW)  # registers the Python games
        from open_spiel.python import policy
        from open_spiel.python.mfg.algorithms import distribution, fictitious_play, mirror_descent, nash_conv
        cls.policy, cls.distribution, cls.nash_conv = policy, distribution, nash_conv
        cls.fictitious_play, cls.mirror_descent = fictitious_play, mirror_descent
        cls.binary = binary()

    def load(self, name, params=None):
        return self.pyspiel.load_game(name, params or {})

    def iterate(self, algorithm, n):
        for _ in range(n):
            algorithm.iteration()
        return algorithm.get_policy()

    def test_crowd_modelling_uniform_and_fictitious_play(self):
        game = self.load("mfg_crowd_modelling")
        uniform = solve_mfg.from_openspiel(game, self.policy.UniformRandomPolicy(game))
        self.assertEqual((uniform.game, uniform.parameters), ("crowd_modelling", {"horizon": 10, "size": 10}))
        np.testing.assert_array_equal(uniform.pi, 1 / 3)
        e = solve_mfg.rl_evaluate(uniform)
        self.assertAlmostEqual(e["value"], 27.4258509299, places=9)
        self.assertAlmostEqual(e["exploitability"], 2.7866824163, places=9)
        fp = self.iterate(self.fictitious_play.FictitiousPlay(game), 10)
        exported = solve_mfg.from_openspiel(game, fp)
        # OpenSpiel's nash_conv 0.9908032627 is not this policy's exploitability (docs/rl.md's table).
        self.assertAlmostEqual(self.nash_conv.NashConv(game, fp).nash_conv(), 0.9908032627, places=9)
        self.assertAlmostEqual(solve_mfg.rl_evaluate(exported)["exploitability"], 1.2055571734, places=9)
        self.assertDistributionsAgree(game, fp, exported)

    def test_crowd_modelling_2d_equals_nash_conv(self):
        """only_distribution_reward: OpenSpiel's nash_conv is exact, and equals solve-mfg's exploitability."""
        game = self.load("mfg_crowd_modelling_2d", {"size": 6, "horizon": 5, "only_distribution_reward": True})
        policies = [("uniform", self.policy.UniformRandomPolicy(game)),
                    ("fictitious play", self.iterate(self.fictitious_play.FictitiousPlay(game), 5)),
                    ("mirror descent", self.iterate(self.mirror_descent.MirrorDescent(game, lr=0.1), 3))]
        for label, pol in policies:
            exported = solve_mfg.from_openspiel(game, pol)
            self.assertEqual(exported.pi.shape, (5, 36, 5))
            self.assertEqual(exported.game, "crowd_modelling_2d")
            ours = solve_mfg.rl_evaluate(exported)["exploitability"]
            theirs = self.nash_conv.NashConv(game, pol).nash_conv()
            self.assertAlmostEqual(ours, theirs, delta=1e-9 * max(1.0, abs(theirs)), msg=label)
            self.assertDistributionsAgree(game, pol, exported)

    def test_crowd_modelling_2d_list_parameters(self):
        """OpenSpiel's list parameters go through in its own syntax (issue 16's example)."""
        game = self.load("mfg_crowd_modelling_2d", {
            "size": 9, "horizon": 5, "only_distribution_reward": True, "initial_distribution": "[2|2;6|5]",
            "initial_distribution_value": "[0.4;0.6]", "forbidden_states": "[4|1;4|2;4|3]"})
        for pol in (self.policy.UniformRandomPolicy(game), self.iterate(self.fictitious_play.FictitiousPlay(game), 3)):
            exported = solve_mfg.from_openspiel(game, pol)
            self.assertIn("forbidden_states", exported.parameters)
            ours = solve_mfg.rl_evaluate(exported)["exploitability"]
            theirs = self.nash_conv.NashConv(game, pol).nash_conv()
            self.assertAlmostEqual(ours, theirs, delta=1e-9 * max(1.0, abs(theirs)))

    def test_linear_quadratic_and_periodic_aversion_distributions(self):
        cases = [("mean_field_lin_quad", {"mean_revert": 0.7}, (10, 10, 7)),
                 ("mean_field_lin_quad", {"dt": 0.5, "horizon": 3, "size": 8}, (6, 8, 7)),
                 ("python_mfg_periodic_aversion", {"size": 9, "horizon": 5, "n_actions_per_side": 2}, (5, 9, 5))]
        for name, params, shape in cases:
            game = self.load(name, params)
            for pol in (self.policy.UniformRandomPolicy(game), self.iterate(self.mirror_descent.MirrorDescent(game, lr=1.0), 2)):
                exported = solve_mfg.from_openspiel(game, pol)
                self.assertEqual(exported.pi.shape, shape, msg=name)
                self.assertDistributionsAgree(game, pol, exported)
        # The true exploitability of mean reversion's uniform policy (cli-checks, docs/rl.md).
        game = self.load("mean_field_lin_quad", {"mean_revert": 0.7})
        e = solve_mfg.rl_evaluate(solve_mfg.from_openspiel(game, self.policy.UniformRandomPolicy(game)))
        self.assertAlmostEqual(e["exploitability"], 27.5477445686, places=9)

    def test_game_objects_and_presets(self):
        game = self.load("mfg_crowd_modelling_2d", {"size": 6, "horizon": 5, "only_distribution_reward": True})
        flags = solve_mfg.game_flags(game)
        self.assertEqual(flags[:2], ["--game", "crowd_modelling_2d"])
        self.assertIn("only_distribution_reward=true", flags)
        self.assertNotIn("forbidden_states=[]", flags)
        from open_spiel.python.mfg.games import crowd_modelling_2d as cm2d
        name, params = solve_mfg.game_of_openspiel("mfg_crowd_modelling_2d",
                                                   dict(cm2d.FOUR_ROOMS, only_distribution_reward=True))
        self.assertEqual((name, params), ("crowd_modelling_2d_four_rooms", {"horizon": 40, "only_distribution_reward": True}))
        game = self.load("mfg_crowd_modelling_2d", dict(cm2d.FOUR_ROOMS, horizon=6, only_distribution_reward=True))
        uniform = self.policy.UniformRandomPolicy(game)
        exported = solve_mfg.from_openspiel(game, uniform)
        self.assertEqual((exported.game, exported.pi.shape), ("crowd_modelling_2d_four_rooms", (6, 169, 5)))
        self.assertAlmostEqual(solve_mfg.rl_evaluate(exported)["exploitability"],
                               self.nash_conv.NashConv(game, uniform).nash_conv(), places=9)
        with self.assertRaisesRegex(ValueError, "no solve-mfg counterpart"):
            solve_mfg.openspiel_layout(self.load("mfg_garnet"))

    def assertDistributionsAgree(self, game, pol, exported):
        ours = solve_mfg.rl_evaluate(exported).arrays["distribution"]
        d = self.distribution.DistributionPolicy(game, pol)
        horizon, states = exported.pi.shape[:2]
        size = int(game.get_parameters()["size"])
        two_d = exported.game.startswith("crowd_modelling_2d")
        def name(t, s):
            return f"({s // size}, {s % size}, {t})_a" if two_d else f"({s}, {t})_a"
        theirs = np.array([[d.value_str(name(t, s), 0.0) for s in range(states)] for t in range(1, horizon + 1)])
        np.testing.assert_allclose(ours[1:], theirs, atol=1e-14, err_msg=f"{exported.game} {exported.parameters}")


if __name__ == "__main__":
    unittest.main()
