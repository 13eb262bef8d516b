import Model
/// The roles of a Windrow cluster.
public enum Role: String, Codable, Sendable, CaseIterable {
    case coordinator, mapper, reducer, front
}

/// What a node tells the coordinator about itself, every heartbeat.
public struct NodeReport: Codable, Hashable, Sendable {
    public var id: String
    public var role: Role
    /// Named endpoints: `ingest`, `acked` (mappers), `partials`, `query` (reducers), `http`.
    public var endpoints: [String: String]
    /// Reducer ordinal (reducers only).
    public var ordinal: Int?
    /// A mapper's low watermark, ns: everything it received before this time is flushed and
    /// acknowledged by every reducer.
    public var watermark: Int64?
    /// Figures for `/v1/cluster` (samples accepted, open windows, ...).
    public var figures: [String: Double]
    /// A reducer's measured load per partition it holds (partitions with none left out).
    public var partitionLoad: [PartitionLoad]?
    /// A mapper: the handover it holds its flushes for, once nothing it sent is unacknowledged.
    public var fenced: UInt64?
    /// A reducer: its part in the handover under way.
    public var handover: HandoverProgress?
    /// A reducer: partitions it still holds data of without owning them (released soon).
    public var holding: [Int]?

    public init(id: String, role: Role, endpoints: [String: String], ordinal: Int? = nil, watermark: Int64? = nil, figures: [String: Double] = [:]) {
        self.id = id
        self.role = role
        self.endpoints = endpoints
        self.ordinal = ordinal
        self.watermark = watermark
        self.figures = figures
    }
}

/// The coordinator's answer to a heartbeat: the current map and watermark.
public struct HeartbeatReply: Codable, Hashable, Sendable {
    public var map: PartitionMap
    /// The global watermark, ns (`nil` until a mapper has reported one).
    public var watermark: Int64?
    /// Whether the reducers hold the cluster's limit of series (`--cluster-series-max` on the
    /// coordinator): mappers then take no new series.
    public var seriesFull: Bool?

    public init(map: PartitionMap, watermark: Int64?, seriesFull: Bool? = nil) {
        self.map = map
        self.watermark = watermark
        self.seriesFull = seriesFull
    }
}

/// The whole cluster as the coordinator sees it (`GET /v1/cluster`).
public struct ClusterView: Codable, Hashable, Sendable {
    public struct Node: Codable, Hashable, Sendable {
        public var report: NodeReport
        public var alive: Bool
        /// Milliseconds since the last heartbeat.
        public var lastSeenMs: Int64
        /// Milliseconds since the coordinator first heard of this id.
        public var knownForMs: Int64?
    }

    public var map: PartitionMap
    public var watermark: Int64?
    public var nodes: [Node]
    /// How evenly the measured load is spread, and the moves that would even it.
    public var balance: Rebalancer.Plan?
    /// Reducers draining (or drained, until they stop): they give their partitions away.
    public var draining: [String]?
    /// The reducer count asked for by `POST /v1/cluster/reducers`, if any.
    public var desiredReducers: Int?
    /// What the handover under way waits for, in words.
    public var handoverWaitsFor: [String]?
    /// How the last handover ended.
    public var lastHandover: HandoverOutcome?

    public init(map: PartitionMap, watermark: Int64?, nodes: [Node], balance: Rebalancer.Plan? = nil) {
        self.map = map
        self.watermark = watermark
        self.nodes = nodes
        self.balance = balance
    }

    /// Live nodes of one role.
    public func live(_ role: Role) -> [NodeReport] {
        nodes.filter { $0.alive && $0.report.role == role }.map(\.report)
    }
}

/// A mapper's answer to an acknowledged batch.
public struct IngestReply: Codable, Hashable, Sendable {
    public struct Rejection: Codable, Hashable, Sendable {
        /// Position of the sample in the batch.
        public var index: Int
        /// Stable reason label (as in `/metrics`).
        public var reason: String
        public var error: String

        public init(index: Int, reason: String, error: String) {
            self.index = index
            self.reason = reason
            self.error = error
        }
    }

    public var batchID: UInt64
    public var accepted: Int
    public var rejected: Int
    /// The first rejections (at most 100), by sample index; for line protocol, the first bad
    /// lines by line number (from 1).
    public var errors: [Rejection]
    /// Set when the whole batch was refused (malformed frame): the reason.
    public var batchError: String?
    /// Line protocol: the body's data lines and how many of them were rejected whole.
    public var lines: Int?
    public var badLines: Int?
    /// Line protocol: why the first refused sample of a good line was refused (a series limit);
    /// `rejected` counts those samples.
    public var refusal: String?

    public init(batchID: UInt64, accepted: Int, rejected: Int, errors: [Rejection], batchError: String? = nil) {
        self.batchID = batchID
        self.accepted = accepted
        self.rejected = rejected
        self.errors = errors
        self.batchError = batchError
    }
}

/// A reducer's answer to a partial batch, and to "what have you applied from me?".
public struct AppliedReply: Codable, Hashable, Sendable {
    public var origin: String
    /// The end of the mapper's log up to which this reducer has applied partials.
    public var applied: UInt64

    public init(origin: String, applied: UInt64) {
        self.origin = origin
        self.applied = applied
    }
}

/// Asks a reducer which position of `origin`'s log it has applied.
public struct AppliedRequest: Codable, Hashable, Sendable {
    public var origin: String
    public init(origin: String) { self.origin = origin }
}

/// Asks the reducer owning `name` for its series: their tags and types.
public struct SeriesRequest: Codable, Hashable, Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// One series of a `SeriesRequest`'s answer.
public struct SeriesListing: Codable, Hashable, Sendable {
    public var tags: [Tag]
    /// The `MetricType` description (`gauge`, `counter`, `timer`).
    public var type: String
    public init(tags: [Tag], type: String) {
        self.tags = tags
        self.type = type
    }
}

/// Asks reducers for known metric names.
public struct NamesRequest: Codable, Hashable, Sendable {
    public var prefix: String
    public init(prefix: String) { self.prefix = prefix }
}
