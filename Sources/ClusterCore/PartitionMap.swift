import Aggregation
import Model

/// Which reducer owns which virtual partition, and where to reach each reducer.
///
/// A metric name's partition is `fnv1a64(UTF-8 bytes of the name) mod partitionCount`
/// (FNV-1a, 64-bit: offset basis 0xcbf29ce484222325, prime 0x100000001b3). Partition `p` is
/// owned by reducer ordinal `owners[p]`, saved with the map (`p mod reducerCount` when the
/// cluster was made, and for a map saved before owners were). All series of one name share a
/// partition, so one reducer answers a query for a name alone, unless the partition is split
/// (`splits`): then each series goes to one of its pieces by `seriesHash(key) mod pieces`, and
/// a query merges the window states of every piece.
public struct PartitionMap: Codable, Hashable, Sendable {
    /// Bumped whenever an assignment or an endpoint changes.
    public var version: UInt64
    /// The fixed number of virtual partitions (256 by default).
    public var partitionCount: Int
    /// The base window, ns (cluster-wide: every mapper and reducer uses it).
    public var windowNanoseconds: Int64
    /// Relative accuracy of quantile sketches; 0 keeps none.
    public var sketchAccuracy: Double
    /// Reducers by ordinal (their slot). An entry is `nil` until that reducer has registered.
    public var reducers: [ReducerAddress?]
    /// The owning reducer ordinal of every partition, by partition.
    public private(set) var owners: [Int]
    /// How many times ownership has changed hands (each completed handover adds one).
    public private(set) var epoch: UInt64 = 0
    /// The handover under way, if any: mappers hold their flushes while it runs.
    public var handover: Handover?
    /// Hot partitions split by series over several reducers, by partition.
    public private(set) var splits: [PartitionSplit] = []

    public init(version: UInt64 = 0, partitionCount: Int = 256, reducerCount: Int,
                windowNanoseconds: Int64 = 60_000_000_000, sketchAccuracy: Double = 0.01) {
        precondition(partitionCount > 0 && reducerCount > 0 && reducerCount <= partitionCount)
        self.version = version
        self.partitionCount = partitionCount
        self.windowNanoseconds = windowNanoseconds
        self.sketchAccuracy = sketchAccuracy
        self.reducers = Array(repeating: nil, count: reducerCount)
        owners = (0..<partitionCount).map { $0 % reducerCount }
    }

    enum CodingKeys: String, CodingKey { case version, partitionCount, windowNanoseconds, sketchAccuracy, reducers, owners, epoch, handover, splits }

    /// Decodes a map; one saved before ownership was explicit owns by `p mod reducerCount`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(UInt64.self, forKey: .version)
        partitionCount = try container.decode(Int.self, forKey: .partitionCount)
        windowNanoseconds = try container.decode(Int64.self, forKey: .windowNanoseconds)
        sketchAccuracy = try container.decode(Double.self, forKey: .sketchAccuracy)
        reducers = try container.decode([ReducerAddress?].self, forKey: .reducers)
        let count = max(reducers.count, 1)
        owners = try container.decodeIfPresent([Int].self, forKey: .owners) ?? (0..<partitionCount).map { $0 % count }
        epoch = try container.decodeIfPresent(UInt64.self, forKey: .epoch) ?? 0
        handover = try container.decodeIfPresent(Handover.self, forKey: .handover)
        splits = try container.decodeIfPresent([PartitionSplit].self, forKey: .splits) ?? []
        guard partitionCount > 0, !reducers.isEmpty, owners.count == partitionCount, owners.allSatisfy(reducers.indices.contains) else {
            throw DecodingError.dataCorruptedError(forKey: .owners, in: container,
                                                   debugDescription: "want one owner among \(reducers.count) reducers for each of \(partitionCount) partitions")
        }
        guard splits.allSatisfy({ $0.isValid(partitionCount: partitionCount, reducerCount: reducers.count) && owners[$0.partition] == $0.pieces[0] }) else {
            throw DecodingError.dataCorruptedError(forKey: .splits, in: container,
                                                   debugDescription: "want each split's partition in range and its pieces on distinct reducers, the owner first")
        }
    }

    /// The partition of a metric name.
    @inline(__always)
    public func partition(of name: String) -> Int {
        Self.partition(of: name, count: partitionCount)
    }

    /// The partition of a metric name among `count` partitions.
    public static func partition(of name: String, count: Int) -> Int {
        Int(fnv1a64(name) % UInt64(count))
    }

    /// The ordinal of the reducer owning `partition`.
    @inline(__always)
    public func reducerOrdinal(ofPartition partition: Int) -> Int {
        owners[partition]
    }

    /// Whether every reducer has registered, so that every partition has an owner.
    public var isComplete: Bool { reducers.allSatisfy { $0 != nil } }

    /// Records `address` for the reducer of its id, or, for an id the map does not hold yet,
    /// in the empty slot `ordinal` (a cluster's first registrations). Bumps the version when
    /// anything changed; returns whether it did. A reducer the map has no slot for joins
    /// through a handover instead.
    @discardableResult
    public mutating func register(ordinal: Int, address: ReducerAddress) -> Bool {
        let slot: Int
        if let known = self.ordinal(of: address.id) {
            slot = known
        } else if reducers.indices.contains(ordinal), reducers[ordinal] == nil {
            slot = ordinal
        } else {
            return false
        }
        guard reducers[slot] != address else { return false }
        reducers[slot] = address
        version += 1
        return true
    }

    /// The slot of the reducer `id`, if the map holds it.
    public func ordinal(of id: String) -> Int? {
        reducers.firstIndex { $0?.id == id }
    }

    /// The partitions the reducer `id` owns.
    public func partitions(ownedBy id: String) -> [Int] {
        guard let slot = ordinal(of: id) else { return [] }
        return owners.indices.filter { owners[$0] == slot }
    }

    /// The partitions the reducer `id` holds data of: those it owns and those it takes a piece of.
    public func partitions(heldBy id: String) -> [Int] {
        guard let slot = ordinal(of: id) else { return [] }
        let pieces = splits.filter { $0.pieces.contains(slot) }.map(\.partition)
        return Array(Set(partitions(ownedBy: id)).union(pieces)).sorted()
    }

    /// The split of `partition`, if it is split.
    public func split(of partition: Int) -> PartitionSplit? {
        splits.first { $0.partition == partition }
    }

    /// The slots holding `partition`'s data: its pieces when it is split, else its owner.
    public func holders(ofPartition partition: Int) -> [Int] {
        split(of: partition)?.pieces ?? [owners[partition]]
    }

    /// Completes `handover`: its reducers, owners and splits become the map's, one epoch later.
    public mutating func complete(_ handover: Handover) {
        reducers = handover.reducers
        owners = handover.owners
        splits = handover.splits ?? []
        epoch += 1
        self.handover = nil
        version += 1
    }

    /// FNV-1a, 64-bit, over the UTF-8 bytes of `text`.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        fnv1a64(text, into: &hash)
        return hash
    }

    @inline(__always)
    static func fnv1a64(_ text: String, into hash: inout UInt64) {
        for byte in text.utf8 { fnv1a64(byte, into: &hash) }
    }

    @inline(__always)
    static func fnv1a64(_ byte: UInt8, into hash: inout UInt64) {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
    }

    /// The stable hash that picks a series' piece of a split partition: FNV-1a, 64-bit, over
    /// the name, then each tag (sorted by key) as a 0 byte, key, `=`, value.
    public static func seriesHash(_ key: SeriesKey) -> UInt64 {
        var hash = fnv1a64(key.name)
        for tag in key.tags {
            fnv1a64(0, into: &hash)
            fnv1a64(tag.key, into: &hash)
            fnv1a64(UInt8(ascii: "="), into: &hash)
            fnv1a64(tag.value, into: &hash)
        }
        return hash
    }

}

/// A hot partition's series spread over several reducers: series `key` goes to slot
/// `pieces[seriesHash(key) mod pieces.count]`. The first piece is the partition's owner, which
/// also keeps everything the partition held before the split; a query asks every piece.
public struct PartitionSplit: Codable, Hashable, Sendable {
    public var partition: Int
    /// Reducer slots, distinct, the owner first.
    public var pieces: [Int]

    public init(partition: Int, pieces: [Int]) {
        self.partition = partition
        self.pieces = pieces
    }

    /// The slot taking the series of hash `seriesHash`.
    @inline(__always)
    public func slot(ofSeriesHash seriesHash: UInt64) -> Int {
        pieces[Int(seriesHash % UInt64(pieces.count))]
    }

    func isValid(partitionCount: Int, reducerCount: Int) -> Bool {
        (0..<partitionCount).contains(partition) && pieces.count >= 2 && Set(pieces).count == pieces.count
            && pieces.allSatisfy((0..<reducerCount).contains)
    }
}

/// Which reducer slot takes each series, as flat arrays for a flush's inner loop.
public struct PartitionRouter: Sendable {
    private let owners: [Int]
    /// Per partition: its pieces when split, else empty.
    private let pieces: [[Int]]

    public init(_ map: PartitionMap) {
        owners = map.owners
        var pieces = [[Int]](repeating: [], count: map.partitionCount)
        for split in map.splits { pieces[split.partition] = split.pieces }
        self.pieces = pieces
    }

    /// The slot taking the series of hash `seriesHash` in `partition`.
    @inline(__always)
    public func slot(partition: Int, seriesHash: UInt64) -> Int {
        let split = pieces[partition]
        return split.isEmpty ? owners[partition] : split[Int(seriesHash % UInt64(split.count))]
    }
}

/// Where a reducer listens.
public struct ReducerAddress: Codable, Hashable, Sendable {
    public var id: String
    /// ROUTER endpoint for partial batches from mappers.
    public var partials: String
    /// ROUTER endpoint for queries from front nodes.
    public var query: String

    public init(id: String, partials: String, query: String) {
        self.id = id
        self.partials = partials
        self.query = query
    }
}

extension PartitionMap {
    /// The base window as a step.
    public var window: Step { Step(nanoseconds: windowNanoseconds)! }

    /// The sketch mapping, or `nil` when the cluster keeps no sketches.
    public var sketchMapping: SketchMapping? { sketchAccuracy > 0 ? SketchMapping(relativeAccuracy: sketchAccuracy) : nil }
}
