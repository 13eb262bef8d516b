import Auth
import ClusterCore
import Model

/// Everything a mapper needs to run.
public struct MapperConfiguration: Sendable {
    /// Unique and stable across restarts: reducers remember how far they applied its log by it.
    public var id: String
    public var dataDirectory: String
    /// PULL endpoint for fire-and-forget batches (`tcp://0.0.0.0:5555`).
    public var ingestEndpoint: String
    /// ROUTER endpoint for acknowledged batches.
    public var ackedEndpoint: String
    /// The host other nodes and producers should use to reach this mapper.
    public var advertisedHost: String
    /// The HTTP status server's URL (`/metrics`), reported to the coordinator for discovery.
    public var statusURL: String?
    public var coordinatorEndpoint: String
    /// Longest time samples wait in memory before their partials go to reducers.
    public var flushIntervalMs: Int = 250
    /// Flush early once this many window states are held.
    public var openStatesMax: Int = 1_000_000
    public var heartbeatIntervalMs: Int = 1000
    /// How long a reducer has to acknowledge a partial batch before it is sent again.
    public var partialTimeoutMs: Int = 5000
    /// How long a keyed batch's acknowledgement is remembered, so a retry is answered, not counted again.
    public var retryWindowSeconds: Int = 900
    /// Most keys remembered at once (oldest forgotten first, counted).
    public var retryKeysMax: Int = 200_000
    /// Sent with every call to reducers and the coordinator.
    public var clusterSecret: [UInt8]?
    public var validation = ValidationLimits()
    /// How many live series this mapper takes, in all and per name.
    public var seriesLimits = SeriesLimits()
    /// Tokens a producer must present (one with `write` or `admin` scope); none: no authentication.
    public var tokens = Tokens(entries: [])

    public init(id: String, dataDirectory: String, ingestEndpoint: String, ackedEndpoint: String,
                advertisedHost: String, coordinatorEndpoint: String) {
        self.id = id
        self.dataDirectory = dataDirectory
        self.ingestEndpoint = ingestEndpoint
        self.ackedEndpoint = ackedEndpoint
        self.advertisedHost = advertisedHost
        self.coordinatorEndpoint = coordinatorEndpoint
    }
}
