import PDE

/// `summary.json` `error_estimate`: one entry per scalar functional (`value`, `extrapolated`,
/// `error_bound`, `extrapolated_error_bound`, `observed_order`, the values on the coarser grids and
/// a `warning` when no bound is given; absent numbers are `null`), then `fields` (the pointwise
/// arrays and their observed orders), `grids`, `warnings` and `seconds`.
struct ErrorEstimateSummary: Encodable {
    let estimate: ErrorEstimate

    init(_ estimate: ErrorEstimate) { self.estimate = estimate }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        try QuantitiesSummary(estimate.quantities).encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        var fields = c.nestedContainer(keyedBy: Key.self, forKey: Key("fields"))
        for (file, order, norm) in [("m_error.npy", estimate.densityOrder, "max over time of the L1 norm in space"),
                                    ("u_error.npy", estimate.valueOrder, "max norm")] {
            var f = fields.nestedContainer(keyedBy: Key.self, forKey: Key(file))
            try f.encode(order, forKey: Key("observed_order"))
            try f.encode(norm, forKey: Key("order_measured_in"))
        }
        try c.encode(estimate.grids.map(\.description), forKey: Key("grids"))
        try c.encode(estimate.warnings, forKey: Key("warnings"))
        try c.encode(estimate.seconds, forKey: Key("seconds"))
    }
}

/// One entry per estimated quantity: `value`, `extrapolated`, `error_bound`,
/// `extrapolated_error_bound`, `observed_order`, `coarser_grids` and `warning` (`null` when absent).
struct QuantitiesSummary: Encodable {
    let quantities: [ErrorEstimate.Quantity]

    init(_ quantities: [ErrorEstimate.Quantity]) { self.quantities = quantities }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: ErrorEstimateSummary.Key.self)
        typealias Key = ErrorEstimateSummary.Key
        for q in quantities {
            var e = c.nestedContainer(keyedBy: Key.self, forKey: Key(q.name))
            try e.encode(q.value, forKey: Key("value"))
            try e.encode(q.extrapolated, forKey: Key("extrapolated"))
            try e.encode(q.errorBound, forKey: Key("error_bound"))
            try e.encode(q.extrapolatedErrorBound, forKey: Key("extrapolated_error_bound"))
            try e.encode(q.observedOrder, forKey: Key("observed_order"))
            try e.encode(q.coarser, forKey: Key("coarser_grids"))
            try e.encode(q.warning, forKey: Key("warning"))
        }
    }
}

/// The equilibrium beside the social optimum (`solve --compare-social`).
public struct SocialComparison: Encodable, Sendable {
    /// The population's total cost at the Nash equilibrium and at the social optimum.
    public var equilibriumCost: Double
    public var optimumCost: Double
    /// `equilibriumCost / optimumCost` (>= 1 up to the discretisation error; costs must be positive).
    public var priceOfAnarchy: Double?
    /// With `--error-estimate`: the error bounds of the two costs, and of the ratio from them,
    /// `PoA (e_eq / |eq| + e_opt / |opt|)` (first order in the bounds).
    public var equilibriumCostError: Double?
    public var optimumCostError: Double?
    public var priceOfAnarchyError: Double?

    public init(equilibriumCost: Double, optimumCost: Double, equilibriumCostError: Double? = nil, optimumCostError: Double? = nil) {
        self.equilibriumCost = equilibriumCost
        self.optimumCost = optimumCost
        self.equilibriumCostError = equilibriumCostError
        self.optimumCostError = optimumCostError
        priceOfAnarchy = optimumCost > 0 && equilibriumCost > 0 ? equilibriumCost / optimumCost : nil
        if let p = priceOfAnarchy, let a = equilibriumCostError, let b = optimumCostError {
            priceOfAnarchyError = p * (a / equilibriumCost + b / optimumCost)
        }
    }
}
