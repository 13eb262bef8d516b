/// A change of partition ownership in flight, carried by the partition map so that every node
/// sees it with the map.
///
/// The protocol, in two phases:
/// - **fencing**: every mapper flushes once and then holds its flushes (ingest goes on into its
///   log and memory); once nothing it sent is unacknowledged it reports itself fenced. Every
///   flush hands every reducer one partial batch, so when all mappers are fenced every reducer
///   has applied every mapper's log to the same position.
/// - **copying**: each source reducer seals the open windows of the partitions it gives away
///   into shard files and lists them; each target fetches them, checks that it has applied
///   every mapper's log exactly as far as the source (or, joining, adopts the source's
///   positions), and commits them in one manifest edit. When every target has reported its
///   partitions imported, the coordinator makes `reducers` and `owners` the map's in one
///   version; mappers resume and route by the new owners, and sources release what they gave.
///
/// A target that finds positions unequal reports a failure and the coordinator abandons the
/// handover (ownership unchanged); nothing any node did for it counts until the new map does.
public struct Handover: Codable, Hashable, Sendable {
    public enum Phase: String, Codable, Sendable {
        case fencing, copying
    }

    /// One partition changing owner, by reducer id.
    public struct Move: Codable, Hashable, Sendable {
        public var partition: Int
        public var from: String
        public var to: String

        public init(partition: Int, from: String, to: String) {
            self.partition = partition
            self.from = from
            self.to = to
        }
    }

    public var id: UInt64
    public var phase: Phase
    public var moves: [Move]
    /// The reducers once it completes (joiners added, drained ones gone).
    public var reducers: [ReducerAddress?]
    /// The owners once it completes, by slot of `reducers`.
    public var owners: [Int]
    /// The splits once it completes (`nil`: none). A split moves no file: its owner keeps what
    /// the partition held, and new pieces start empty; undoing one moves each piece's files to
    /// the owner.
    public var splits: [PartitionSplit]?
    /// Why it runs ("reducer-2 joined", "reducer-1 drains").
    public var reason: String
    /// When it started, ns (coordinator wall clock).
    public var startedAt: Int64

    public init(id: UInt64, phase: Phase, moves: [Move], reducers: [ReducerAddress?], owners: [Int], splits: [PartitionSplit]? = nil,
                reason: String, startedAt: Int64) {
        self.id = id
        self.phase = phase
        self.moves = moves
        self.reducers = reducers
        self.owners = owners
        self.splits = splits
        self.reason = reason
        self.startedAt = startedAt
    }

    /// The partitions `id` receives.
    public func incoming(to id: String) -> [Int] { moves.filter { $0.to == id }.map(\.partition) }

    /// The partitions `id` gives away.
    public func outgoing(from id: String) -> [Int] { moves.filter { $0.from == id }.map(\.partition) }
}

/// A reducer's part in the handover under way, reported with its heartbeats.
public struct HandoverProgress: Codable, Hashable, Sendable {
    public var id: UInt64
    /// Partitions it receives whose files are committed here.
    public var imported: [Int]
    /// Whether the partitions it gives away are sealed into files and listed for their targets.
    public var exported: Bool
    /// Why it cannot take its part (positions differ, say): the coordinator abandons the handover.
    public var failure: String?

    public init(id: UInt64, imported: [Int] = [], exported: Bool = false, failure: String? = nil) {
        self.id = id
        self.imported = imported
        self.exported = exported
        self.failure = failure
    }
}
