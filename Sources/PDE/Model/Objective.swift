/// What the population optimises.
///
/// - `nash`: each agent minimises its own cost against the population (the mean field game; its
///   solution is a Nash equilibrium);
/// - `social`: a planner minimises the population's total cost (mean-field control). Its optimality
///   system is a mean field game whose costs are the marginal (first-variation) costs of the
///   total: a local coupling `F(m)` becomes `F + m dF/dm`, a mean coupling gains
///   `x int dF/dmean m`, a symmetric nonlocal kernel doubles.
public enum Objective: String, Sendable, CaseIterable, Codable {
    case nash
    case social
}
