/// Everything a reducer needs to run.
public struct ReducerConfiguration: Sendable {
    public var id: String
    /// Which partitions it owns: every `p` with `p % reducerCount == ordinal`.
    public var ordinal: Int
    public var dataDirectory: String
    /// ROUTER endpoint for partial batches (and "applied" questions) from mappers.
    public var partialsEndpoint: String
    /// ROUTER endpoint for queries from front nodes.
    public var queryEndpoint: String
    public var advertisedHost: String
    /// The HTTP status server's URL (`/metrics`), reported to the coordinator for discovery.
    public var statusURL: String?
    public var coordinatorEndpoint: String
    /// How long after a window's end (by the watermark) late samples are still expected before
    /// the window is sealed into a shard file. Later samples are corrections, never dropped.
    public var allowedLatenessMs: Int = 30_000
    /// How often the reducer looks for windows to seal.
    public var sealIntervalMs: Int = 5_000
    /// The half-life of the per-partition load it reports (which the coordinator balances and
    /// splits by): shorter reacts sooner to a change of load, longer rides out bursts.
    public var loadHalfLifeSeconds: Double = 30
    /// Checkpoint (snapshot open windows, rotate the log) once the log is this large.
    public var walBytesMax: Int = 256 << 20
    /// Most shard files held open for reading at once (least recently used closed first).
    public var openFilesMax: Int = 256
    /// How long rows are kept per resolution (`1m=30d,1h=400d,1d=forever`; empty: forever).
    public var retention: String = ""
    /// Compaction writes at most this many bytes per second (0: unpaced).
    public var compactionBytesPerSecond: Int = 64 << 20
    /// Groups of one level merged into one a level up, in a day that is still open.
    public var compactionFanIn: Int = 4
    /// A pause after each compaction step (a fault test stops the process at each of them).
    public var compactionStepDelayMs: Int = 0
    public var heartbeatIntervalMs: Int = 1000
    /// Required of every caller of the partial and query endpoints, and sent to the coordinator.
    public var clusterSecret: [UInt8]?

    public init(id: String, ordinal: Int, dataDirectory: String, partialsEndpoint: String, queryEndpoint: String,
                advertisedHost: String, coordinatorEndpoint: String) {
        self.id = id
        self.ordinal = ordinal
        self.dataDirectory = dataDirectory
        self.partialsEndpoint = partialsEndpoint
        self.queryEndpoint = queryEndpoint
        self.advertisedHost = advertisedHost
        self.coordinatorEndpoint = coordinatorEndpoint
    }
}
