/// A mean field game as the solver takes it: on an interval or a rectangle, time-dependent or
/// ergodic. The 1D and 2D problems keep their own types (their kernels are different solvers);
/// everything that does not care which it is reads the properties here.
public enum MFGModel: Sendable {
    case oneD(MFGProblem)
    case twoD(MFGProblem2D)

    public var name: String {
        switch self {
        case let .oneD(p): return p.name
        case let .twoD(p): return p.name
        }
    }

    public var dimension: Int {
        if case .oneD = self { return 1 } else { return 2 }
    }

    public var isErgodic: Bool {
        switch self {
        case let .oneD(p): return p.isErgodic
        case let .twoD(p): return p.isErgodic
        }
    }

    /// The horizon T (nil for ergodic problems).
    public var horizon: Double? {
        switch self {
        case let .oneD(p): return p.isErgodic ? nil : p.horizon
        case let .twoD(p): return p.isErgodic ? nil : p.horizon
        }
    }

    public var viscosity: Double {
        switch self {
        case let .oneD(p): return p.viscosity
        case let .twoD(p): return p.viscosity
        }
    }

    public var hamiltonian: Hamiltonian {
        switch self {
        case let .oneD(p): return p.hamiltonian
        case let .twoD(p): return p.hamiltonian
        }
    }

    public var boundary: Boundary {
        switch self {
        case let .oneD(p): return p.boundary
        case let .twoD(p): return p.boundary
        }
    }

    /// True when mass can leave through exits.
    public var hasExit: Bool {
        switch self {
        case let .oneD(p): return p.hasExit
        case let .twoD(p): return p.hasExit
        }
    }

    /// The domain: `[(lower, upper)]` per axis.
    public var domain: [(lower: Double, upper: Double)] {
        switch self {
        case let .oneD(p): return [(p.lower, p.upper)]
        case let .twoD(p): return [(p.lowerX, p.upperX), (p.lowerY, p.upperY)]
        }
    }

    /// The problem's own default grid.
    public var defaultGrid: GridSize {
        switch self {
        case let .oneD(p): return GridSize(nx: p.defaultNx, ny: nil, nt: p.isErgodic ? nil : p.defaultNt)
        case let .twoD(p): return GridSize(nx: p.defaultNx, ny: p.defaultNy, nt: p.isErgodic ? nil : p.defaultNt)
        }
    }

    /// A grid for this problem: the default, with the given counts replacing its own.
    public func grid(nx: Int? = nil, ny: Int? = nil, nt: Int? = nil) -> GridSize {
        let d = defaultGrid
        return GridSize(nx: nx ?? d.nx, ny: dimension == 2 ? (ny ?? d.ny) : nil, nt: isErgodic ? nil : (nt ?? d.nt))
    }
}

/// The size of a grid: points (1D) or cells per axis, and time steps; `ny` only in 2D and `nt`
/// only for time-dependent problems.
public struct GridSize: Sendable, Equatable, Codable, CustomStringConvertible {
    public var nx: Int
    public var ny: Int?
    public var nt: Int?

    public init(nx: Int, ny: Int? = nil, nt: Int? = nil) {
        self.nx = nx
        self.ny = ny
        self.nt = nt
    }

    /// `200 x 100` (nx x nt), `50 x 50 x 50` (nx x ny x nt), `200 points` or `64 x 64 cells` (ergodic).
    public var description: String {
        switch (ny, nt) {
        case let (nil, nt?): return "\(nx) x \(nt)"
        case let (ny?, nt?): return "\(nx) x \(ny) x \(nt)"
        case (nil, nil): return "\(nx) points (ergodic)"
        case let (ny?, nil): return "\(nx) x \(ny) cells (ergodic)"
        }
    }

    /// The space-time cells `nx ny (nt + 1)` (absent counts taken as 1), in Double so that no count overflows.
    public var cells: Double { Double(nx) * Double(ny ?? 1) * Double((nt ?? 0) + 1) }

    /// The most cells a solve accepts (about 12 arrays of that many doubles with Newton's linearisation:
    /// 2 GB in 1D, 5 GB in 2D); `DiscreteMFG` and `DiscreteMFG2D` refuse more.
    public static let maximumCells = 2e7

    /// The grid with every count multiplied by `factor` (`2^k` for refinement studies).
    public func scaled(by factor: Int) -> GridSize {
        GridSize(nx: nx * factor, ny: ny.map { $0 * factor }, nt: nt.map { $0 * factor })
    }
}
