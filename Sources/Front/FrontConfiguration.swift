import Model

/// Everything a front node needs to run.
public struct FrontConfiguration: Sendable {
    public var id: String
    public var host: String
    public var httpPort: Int
    public var coordinatorEndpoint: String
    /// Largest request body accepted, in bytes (`413` beyond).
    public var bodyBytesMax = 16 << 20
    /// Largest remote_write request once expanded from snappy, in bytes (`413` beyond).
    public var remoteWriteBytesMax = 64 << 20
    /// Most `GET /v1/stream` clients at once (`503` beyond).
    public var streamsMax = 256
    /// Most samples (JSON items or lines) in one ingest request (`413` beyond).
    public var requestSamplesMax = 1_000_000
    /// Most series one query may read (`422` beyond).
    public var querySeriesMax = 200_000
    /// Most names a glob in a query's `name` may match (`422` beyond).
    public var queryNamesMax = 100
    /// Where Debian's libjs-dygraphs puts the charting library the web page draws with.
    public var dygraphsDirectory = "/usr/share/javascript/dygraphs"
    /// How long a mapper or reducer has to answer.
    public var callTimeoutMs = 10_000
    /// The limits samples are checked against before they go to a mapper.
    public var validation = ValidationLimits()
    /// The token presented to mappers with every forwarded batch, for mappers that require one.
    public var mapperToken: [UInt8]?
    /// Sent with every call to the coordinator and the reducers.
    public var clusterSecret: [UInt8]?

    public init(id: String, host: String, httpPort: Int, coordinatorEndpoint: String) {
        self.id = id
        self.host = host
        self.httpPort = httpPort
        self.coordinatorEndpoint = coordinatorEndpoint
    }
}
