"""MFGLib's policy tensors exported and evaluated exactly by solve-mfg, against MFGLib's own
exploitability_score. MFGLib depends on torch, whose PyPI wheels bring several GB of CUDA libraries:
`make python-test` does not install it, `make python-test-peers` does (docs/python.md)."""
import unittest

import solve_mfg
from _support import binary, peer

HOW = "`make python-test-peers` installs MFGLib (and torch, about 5.7 GB) into bench/.venv-python-peers and runs these tests"


def _mfglib():
    peer("torch", HOW)
    peer("mfglib.alg", HOW)  # mfglib 0.3.0 needs mfglib.alg imported before mfglib.env and mfglib.scoring
    import torch
    from mfglib.env import Environment
    from mfglib.scoring import exploitability_score
    import mfglib.alg as alg
    return torch, Environment, exploitability_score, alg


def crowd_modelling_env(torch, Environment, size, horizon):
    """solve-mfg's (OpenSpiel's) crowd_modelling as an MFGLib Environment, T = horizon - 1: the move of
    step t is charged at step t unless t is the last (solve-mfg's timing, the same expected returns as
    OpenSpiel's), positional reward 1 - |x - size//2| / (size//2), crowd aversion -log(mu + 1e-25)."""
    half = size // 2
    positional = torch.tensor([1 - abs(x - half) / half for x in range(size)], dtype=torch.float64)
    move = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64) / size
    p = torch.zeros(size, size, 3, dtype=torch.float64)
    for s in range(size):
        for a in range(3):
            for e in (-1, 0, 1):
                p[(s + a - 1 + e) % size, s, a] += 1 / 3

    def reward(env, t, L_t):
        mu = L_t.sum(dim=1)
        r = (positional - torch.log(mu + 1e-25)).unsqueeze(1).repeat(1, 3)
        return r - move if t < env.T else r

    return Environment(T=horizon - 1, S=(size,), A=(3,), mu0=torch.full((size,), 1 / size, dtype=torch.float64),
                       r_max=10.0, reward_fn=reward, transition_fn=lambda env, t, L_t: p)


class MFGLibPolicies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.torch, cls.Environment, score, cls.alg = _mfglib()
        cls.score = staticmethod(score)
        cls.binary = binary()

    def test_left_right_is_wardrop(self):
        """MFGLib's built-in left_right against solve-mfg's wardrop (its counterpart in MFGLIB_GAMES)."""
        env = self.Environment.left_right()
        pis, expls, _ = self.alg.OnlineMirrorDescent(alpha=0.5).solve(env, max_iter=6, atol=None, rtol=None)
        for k in (0, 3, 6):
            exported = solve_mfg.from_mfglib(pis[k], env=env, environment="left_right")
            ours = solve_mfg.rl_evaluate(exported)
            theirs = self.score(env, pis[k])
            self.assertAlmostEqual(ours["exploitability"], theirs, delta=1e-6 * max(1, abs(theirs)),
                                   msg=f"iterate {k}: solve-mfg {ours['exploitability']}, MFGLib {theirs}")
        self.assertGreater(expls[0], 0.1)

    def test_crowd_modelling_rebuilt_in_mfglib(self):
        """crowd_modelling written as an MFGLib Environment; MFGLib's mirror descent and fictitious play
        exported, evaluated by solve-mfg and scored by MFGLib."""
        torch = self.torch
        previous = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            env = crowd_modelling_env(torch, self.Environment, 10, 10)
            for algorithm in (self.alg.OnlineMirrorDescent(alpha=1.0), self.alg.FictitiousPlay()):
                pis, _, _ = algorithm.solve(env, max_iter=10, atol=None, rtol=None)
                for k in (0, 10):
                    exported = solve_mfg.from_mfglib(pis[k], env=env, game="crowd_modelling",
                                                     parameters={"size": 10, "horizon": 10})
                    self.assertEqual(exported.pi.shape, (10, 10, 3))
                    ours = solve_mfg.rl_evaluate(exported)["exploitability"]
                    theirs = self.score(env, pis[k])
                    self.assertAlmostEqual(ours, theirs, delta=1e-9 * max(1, abs(theirs)),
                                           msg=f"{algorithm} iterate {k}: solve-mfg {ours}, MFGLib {theirs}")
                    if k == 0:  # the uniform policy (docs/rl.md, peer-numbers)
                        self.assertAlmostEqual(ours, 2.78668241629834, places=9)
        finally:
            torch.set_default_dtype(previous)


if __name__ == "__main__":
    unittest.main()
