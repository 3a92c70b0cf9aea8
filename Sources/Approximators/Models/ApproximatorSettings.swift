/// An approximator by name with its settings as `name=value` text (the command line's `--setting`,
/// a study's columns): each kind takes the settings it knows and refuses the others, naming them.
public struct ApproximatorSettings: Sendable {
    public let kind: ApproximatorKind
    public let values: [String: String]

    public init(kind: ApproximatorKind, values: [String: String] = [:]) {
        self.kind = kind
        self.values = values
    }

    /// Parses `name=value` pairs (a pair may be prefixed by `KIND.` to address one approximator among
    /// several; pairs for other kinds are then ignored).
    public init(kind: ApproximatorKind, pairs: [String]) throws {
        var values: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ApproximatorError("--setting \(pair): write name=value, e.g. components=3 or kde.bandwidth=scott")
            }
            var name = String(pair[..<equals]).trimmingCharacters(in: .whitespaces)
            if let dot = name.firstIndex(of: ".") {
                guard ApproximatorKind(rawValue: String(name[..<dot])) != nil else {
                    throw ApproximatorError("--setting \(pair): \(name[..<dot]) is not an approximator (\(ApproximatorKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                guard name[..<dot] == kind.rawValue else { continue }
                name = String(name[name.index(after: dot)...])
            }
            values[name] = String(pair[pair.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        }
        self.init(kind: kind, values: values)
    }

    /// The names each kind accepts, with what they mean (for `--help` and errors).
    public static func accepted(_ kind: ApproximatorKind) -> [(name: String, meaning: String)] {
        switch kind {
        case .histogram: []
        case .kde: [("bandwidth", "silverman (default) or scott")]
        case .gmm: [("components", "mixture components (default 3 in 1D, 4 in 2D)"), ("iterations", "EM iterations at most (300)")]
        default: neuralSettings
        }
    }

    /// The approximator these settings describe.
    public func make() throws -> any DensityApproximator {
        let known = Set(Self.accepted(kind).map(\.name))
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            let list = known.isEmpty ? "it takes no settings" : "it takes " + known.sorted().joined(separator: ", ")
            throw ApproximatorError("\(kind.rawValue) has no setting \(unknown); \(list)")
        }
        switch kind {
        case .histogram: return Histogram()
        case .kde:
            let text = values["bandwidth"] ?? "silverman"
            guard let rule = KernelDensity.Bandwidth(rawValue: text) else {
                throw ApproximatorError("kde bandwidth \(text): give silverman or scott")
            }
            return KernelDensity(bandwidth: rule)
        case .gmm:
            let components = try values["components"].map { try integer("components", $0, 1 ... 64) }
            let iterations = try values["iterations"].map { try integer("iterations", $0, 1 ... 100_000) } ?? 300
            return GaussianMixture(components: components, maximumIterations: iterations)
        default:
            return try makeNeural()
        }
    }

    func integer(_ name: String, _ text: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let v = Int(text), range.contains(v) else {
            throw ApproximatorError("\(kind.rawValue) \(name) = \(text): give a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    func real(_ name: String, _ text: String, _ range: ClosedRange<Double>) throws -> Double {
        guard let v = Double(text), v.isFinite, range.contains(v) else {
            throw ApproximatorError("\(kind.rawValue) \(name) = \(text): give a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }
}
