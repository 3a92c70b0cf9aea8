/// The action set of a discretised continuous problem (`ContinuousGame`, `ContinuousGame2D`): on n
/// cells per axis, `K = max(3, 2 floor(n/10) + 1)` velocities per axis, evenly spaced in
/// [-amax, amax]. K is odd, so that 0 is one of them, and grows with the grid, so that mixing two
/// neighbouring velocities costs less and less against the continuous control. A 1D game has K
/// actions, a 2D game the K^2 velocity pairs.
public enum VelocitySet {
    /// `max(3, 2 floor(n/10) + 1)` for `n` cells per axis.
    public static func perAxis(cells n: Int) -> Int { max(3, 2 * (n / 10) + 1) }
}
