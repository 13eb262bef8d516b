import Aggregation
import Model

/// Which reducer owns which virtual partition, and where to reach each reducer.
///
/// A metric name's partition is `fnv1a64(UTF-8 bytes of the name) mod partitionCount`
/// (FNV-1a, 64-bit: offset basis 0xcbf29ce484222325, prime 0x100000001b3). Partition `p` is
/// owned by reducer ordinal `p mod reducerCount`. All series of one name share a partition, so
/// one reducer answers a query for a name alone.
public struct PartitionMap: Codable, Hashable, Sendable {
    /// Bumped whenever an assignment or an endpoint changes.
    public var version: UInt64
    /// The fixed number of virtual partitions (256 by default).
    public var partitionCount: Int
    /// The base window, ns (cluster-wide: every mapper and reducer uses it).
    public var windowNanoseconds: Int64
    /// Relative accuracy of quantile sketches; 0 keeps none.
    public var sketchAccuracy: Double
    /// Reducers by ordinal: `reducers[i]` owns every partition `p` with `p % reducers.count == i`.
    /// An entry is `nil` until that reducer has registered.
    public var reducers: [ReducerAddress?]

    public init(version: UInt64 = 0, partitionCount: Int = 256, reducerCount: Int,
                windowNanoseconds: Int64 = 60_000_000_000, sketchAccuracy: Double = 0.01) {
        precondition(partitionCount > 0 && reducerCount > 0 && reducerCount <= partitionCount)
        self.version = version
        self.partitionCount = partitionCount
        self.windowNanoseconds = windowNanoseconds
        self.sketchAccuracy = sketchAccuracy
        self.reducers = Array(repeating: nil, count: reducerCount)
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
        partition % reducers.count
    }

    /// The owning reducer ordinal of every partition, by partition.
    public var owners: [Int] { (0..<partitionCount).map(reducerOrdinal(ofPartition:)) }

    /// Whether every reducer has registered, so that every partition has an owner.
    public var isComplete: Bool { reducers.allSatisfy { $0 != nil } }

    /// Records `address` for reducer `ordinal`, bumping the version when anything changed.
    /// Returns whether it changed.
    @discardableResult
    public mutating func register(ordinal: Int, address: ReducerAddress) -> Bool {
        guard reducers.indices.contains(ordinal), reducers[ordinal] != address else { return false }
        reducers[ordinal] = address
        version += 1
        return true
    }

    /// FNV-1a, 64-bit, over the UTF-8 bytes of `text`.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
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
