/// The tunable parts of correlation, from `correlation:` in the config. `docs/correlation.md` explains each.
public struct CorrelationSettings: Sendable, Equatable {
    /// How far before impact start a change may be and still be a candidate.
    public var lookback: Duration = .seconds(4 * 3600)
    /// How far after impact start a change may be (clocks disagree).
    public var skew: Duration = .seconds(10 * 60)
    /// Changes with no environment always qualify; others must match the incident's environment.
    public var defaultEnvironment: String? = "production"
    /// Points out of 100 for each factor.
    public var weights = Weights()
    /// Minutes after which time proximity has halved: `1 / (1 + Δmin / halfLife)`.
    public var timeHalfLifeMinutes = 45.0
    /// Softmax temperature in points; lower makes confidence more decisive.
    public var temperature = 10.0
    /// The score of "not a logged change": what a candidate must beat to be believed.
    public var noChangeScore = 50.0
    /// Confidence never exceeds this.
    public var maximumConfidence = 0.95
    /// Confidence ceiling when the incident names no known service.
    public var unknownServiceConfidenceCap = 0.5
    /// Multiplier for a change a later rollback already reverted.
    public var rollbackDemotion = 0.3
    /// At most this many changes to unrelated services are scored (the most recent before impact).
    public var unrelatedCandidateLimit = 50

    public struct Weights: Sendable, Equatable {
        public var time = 35.0
        public var service = 30.0
        public var content = 20.0
        public var kind = 15.0

        public init() {}
    }

    public init() {}
}
