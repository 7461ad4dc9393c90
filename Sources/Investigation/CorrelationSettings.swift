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
    public var timeHalfLifeMinutes = 30.0
    /// Softmax temperature in points; lower makes confidence more decisive.
    public var temperature = 9.5
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
    /// Points the scope factor adds (match) or takes away (a narrow change for a broad impact).
    public var scopeWeight = 15.0
    /// Service relation of a shared-infrastructure change to any incident, however far down the graph.
    public var sharedInfrastructureRelation = 0.75
    /// Time value of a change within the clock-skew allowance after impact start.
    public var afterImpactTimeValue = 0.1
    /// Content value of a symptom the change's words could produce.
    public var symptomValue = 0.45
    /// Points for a service's last change before impact when responders rolled that service back after impact
    /// start.
    public var responderRollbackPoints = 10.0
    /// Multiplier for a change that reads like a responder's action, logged just before the incident was declared.
    public var responseDemotion = 0.5
    /// Points the metrics factor takes away from a change after the first onset (it adds up to half as much to one
    /// shortly before it).
    public var metricsWeight = 20.0
    /// How long before a metric onset a change still counts as leading it.
    public var metricsLeadMinutes = 30.0
    /// The words incidents and changes are read with.
    public var vocabulary = CorrelationVocabulary.builtIn
    /// Points "not a logged change" gains for each phrase of the incident pointing outside the log (at most two).
    public var externalCausePoints = 12.0

    public struct Weights: Sendable, Equatable {
        public var time = 40.0
        public var service = 25.0
        public var content = 20.0
        public var kind = 15.0

        public init() {}
    }

    public init() {}
}
