/// Chooses, for a computation repeated many times (a training step), whether its
/// ``ParallelParts`` runs use helper threads or the caller alone, by timing both on this machine as
/// it is now: a plain run needs no thread setting, and is not held back by a helper that gets no
/// core of its own (its part then waits for a time slice while the caller waits for it, or it
/// shares the caller's core).
///
/// Cycles of `trialRuns + holdRuns` runs: the first `trialRuns` alternate between blocks of `block`
/// runs on the caller alone and on `most` workers, and the faster on average (the helpers only if
/// they save at least 5%) runs the next `holdRuns`. The first `settling` runs of each block are
/// left out (they pay for the switch: a helper that wakes up, and the scheduler placing it), and
/// alternating cancels the drift of the machine's load between the two samples; the trial runs
/// cost at most half their difference, over 2176 runs (about one Off-MMD outer iteration). What a
/// run should time is up to the caller; a training step times everything until the next step
/// starts. The choice never changes what a run computes, only where.
public struct WorkerTuner {
    /// The workers when helpers are used.
    public let most: Int
    public static let trialRuns = 128
    public static let holdRuns = 2048
    public static let block = 16
    /// Runs at the start of each trial block that are not timed.
    public static let settling = 4
    /// The position in the current cycle, the seconds of its timed trial runs of each kind, and the choice.
    private var position = 0
    private var alone = 0.0, helped = 0.0
    private var choice: Int

    /// A tuner between the caller alone and `workers` workers (at least 1; with 1 nothing is tuned).
    public init(workers: Int) {
        most = max(1, workers)
        choice = most
    }

    /// The workers of the next run.
    public var workers: Int {
        guard most > 1 else { return 1 }
        return position < Self.trialRuns ? ((position / Self.block) % 2 == 0 ? 1 : most) : choice
    }

    /// Records the seconds of the run just made with ``workers`` workers.
    public mutating func record(seconds: Double) {
        guard most > 1 else { return }
        if position < Self.trialRuns && position % Self.block >= Self.settling {
            if (position / Self.block) % 2 == 0 { alone += seconds } else { helped += seconds }
        }
        position += 1
        if position == Self.trialRuns { choice = helped < 0.95 * alone ? most : 1 }
        if position == Self.trialRuns + Self.holdRuns {
            position = 0
            alone = 0
            helped = 0
        }
    }
}
