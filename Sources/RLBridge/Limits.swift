import Foundation

/// Sizes refused before any work, with what they imply and the largest accepted value: a number too
/// large for its use is an error, never a trap or an allocation failure. Products are formed in
/// `Double`, so no count can overflow on the way to the check.
public enum RLLimits {
    /// Entries `H S A` of a policy. A run keeps about six arrays of this size (policy, rewards, Q, the
    /// best response, the algorithm's state), 8 bytes an entry: 1e8 entries take about 5 GB.
    public static let policyEntries = 1e8
    /// Iterations of a tabular algorithm, an expert, or an offline learner (each logged in memory).
    public static let iterations = 1_000_000
    /// Total work `iterations x H S A` of a tabular run: about 1e9 entries a second, so 1e13 is hours.
    public static let tabularWork = 1e13
    /// Parameters of one network (weights and biases, 4 bytes each; Adam and the target keep four
    /// more copies): 5e7 take about 1 GB.
    public static let networkParameters = 5e7
    /// `batch x widest layer` activations of a minibatch (4 bytes each, several buffers).
    public static let activations = 1e8
    /// Gradient updates per outer iteration, and episodes sampled per iteration.
    public static let updatesPerIteration = 10_000_000
    /// Transitions `episodes x H` of a dataset (about 60 bytes each in memory): 5e7 take 3 GB.
    public static let transitions = 5e7

    /// `1.2e+10 bytes (12 GB)` style: a byte count a person reads at a glance.
    public static func bytes(_ count: Double) -> String {
        guard count.isFinite else { return "more than 1e308 bytes" }
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (size, unit) in units where count >= size { return String(format: "%.3g %@", count / size, unit) }
        return String(format: "%.0f bytes", count)
    }

    /// `12345678` up to 1e6, else `1.23e+07` (an overflowed count: `more than 1e308`).
    public static func count(_ x: Double) -> String {
        !x.isFinite ? "more than 1e308" : x < 1e6 ? String(format: "%.0f", x) : String(format: "%.3g", x)
    }

    /// Refuses a game whose policies would not fit in memory (`limit`: `policyEntries`, or
    /// `FactoredGame2D.logitEntries` for the per-axis logits of a factored game).
    public static func checkGame(_ name: String, states: Double, actions: Double, horizon: Double, limit: Double = policyEntries,
                                 advice: String) throws {
        let entries = states * actions * horizon
        guard entries.isFinite, entries <= limit else {
            // A factored 2D game (`FactoredGame2D`) keeps per-axis logits, `actions` = 2 K per state, in one run.
            let (unit, total, arrays) = limit == policyEntries ? ("actions", "policy entries", " per array (a run keeps about six)")
                : ("logits per state (K velocities per axis, both axes)", "logits", "")
            throw RLError.invalid("\(name): \(count(horizon)) steps x \(count(states)) states x \(count(actions)) \(unit) = \(count(entries)) \(total) "
                                  + "would take \(bytes(entries * 8))\(arrays); the largest accepted is \(count(limit)) "
                                  + "(\(bytes(limit * 8))): \(advice)")
        }
    }

    /// Refuses a number of iterations above `iterations`, naming the flag.
    public static func check(iterations n: Int, flag: String) throws {
        guard n >= 1 else { throw RLError.usage("\(flag) must be at least 1, got \(n)") }
        guard n <= iterations else {
            throw RLError.usage("\(flag) \(n) is more than the largest accepted, \(count(Double(iterations))) (every iteration is logged and evaluated exactly)")
        }
    }

    /// Refuses a tabular run whose total work `iterations x H S A` would take hours.
    public static func checkWork(iterations n: Int, game: FiniteMFG, flag: String) throws {
        let work = Double(n) * Double(game.policySize)
        guard work <= tabularWork else {
            let largest = max(1, Int(tabularWork / Double(game.policySize)))
            throw RLError.usage("\(flag) \(n) on \(game.name) (\(count(Double(game.policySize))) policy entries) is \(count(work)) entry updates, "
                                  + "hours of work; the largest accepted here is \(flag) \(largest)")
        }
    }

    /// Refuses networks (`--hidden`) and minibatches (`--batch-size`) whose parameters or activations
    /// would not fit in memory; `inputs` and `outputs` are the game's feature and action counts.
    public static func checkNetwork(inputs: Int, hidden: [Int], outputs: Int, batch: Int) throws {
        let sizes = ([inputs] + hidden + [outputs]).map(Double.init)
        let parameters = zip(sizes, sizes.dropFirst()).reduce(0.0) { $0 + ($1.0 + 1) * $1.1 }
        let flag = "--hidden \(hidden.map(String.init).joined(separator: ","))"
        guard parameters <= networkParameters else {
            throw RLError.usage("\(flag): a network of layers \(sizes.map { count($0) }.joined(separator: ", ")) (inputs, hidden, outputs) has \(count(parameters)) parameters, "
                                  + "\(bytes(parameters * 4 * 5)) with Adam's state and the target; the largest accepted is \(count(networkParameters)): use narrower layers")
        }
        let widest = sizes.max() ?? 1, activations = Double(batch) * widest
        guard activations <= Self.activations else {
            let largest = max(1, Int(Self.activations / widest))
            throw RLError.usage("--batch-size \(batch) with layers up to \(count(widest)) wide keeps \(count(activations)) activations per buffer "
                                  + "(\(bytes(activations * 4)) each); the largest accepted batch here is \(largest)")
        }
    }
}
