import PDE

extension ExactTools {
    /// Adds to `rewards` (`[H][S][A]`, the game's `R_t(s, a; mu_t, mu_{t+1})` along `mu`) the planner's terms
    /// of the social objective (`SocialObjective.swift`): at each step, with `rho_t(s',a') = mu_t(s') pi_t(a'|s')` as
    /// the weights of the game's `rewardGradient`, `G_t = sum rho_t dR_t/dmu_t` and
    /// `N_t = sum rho_t dR_t/dmu_{t+1}`, then `R~_t(s,a) = R_t(s,a) + G_t(s) + sum_s'' P(s''|s,a) N_t(s'')`.
    /// Needs tools made with `objective: .social` (their scratch and the checked gradient).
    public func addSocialTerms(of policy: [Double], along mu: [Double], to rewards: inout [Double]) {
        precondition(objective == .social, "\(game.name): addSocialTerms needs ExactTools(game:objective: .social)")
        precondition(policy.count == game.policySize && mu.count == (H + 1) * S && rewards.count == H * S * A,
                     "\(game.name): addSocialTerms needs a policy [H][S][A], a distribution [H+1][S] and rewards [H][S][A]")
        guard let gradient = game.rewardGradient else { preconditionFailure("\(game.name): no rewardGradient (checked at init)") }
        let g = game, S = S, A = A, H = H
        rewards.withUnsafeMutableBufferPointer { r in
          mu.withUnsafeBufferPointer { m in
            policy.withUnsafeBufferPointer { pi in
              socialWeights.withUnsafeMutableBufferPointer { w in
                socialNow.withUnsafeMutableBufferPointer { now in
                  socialNext.withUnsafeMutableBufferPointer { next in
                    g.rowStart.withUnsafeBufferPointer { rs in
                      g.successor.withUnsafeBufferPointer { nx in
                        g.probability.withUnsafeBufferPointer { pr in
                            for t in 0..<H {
                                for s in 0..<S { for a in 0..<A { w[s * A + a] = m[t * S + s] * pi[(t * S + s) * A + a] } }
                                gradient(t, m.baseAddress! + t * S, m.baseAddress! + (t + 1) * S, w.baseAddress!,
                                         now.baseAddress!, next.baseAddress!)
                                for s in 0..<S {
                                    for a in 0..<A {
                                        let row = s * A + a
                                        var expectedNext = 0.0
                                        for k in rs[row]..<rs[row + 1] { expectedNext += pr[k] * next[Int(nx[k])] }
                                        r[t * S * A + row] += now[s] + expectedNext
                                    }
                                }
                            }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
    }
}
