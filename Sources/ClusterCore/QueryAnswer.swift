import Aggregation
import Codec
import Model
import Wire

/// A reducer's answer to a query: per group, the bucket starts and one column of values per
/// requested stat (NaN where a stat has no value). Stats are computed where the data is: every
/// series of a name lives on one reducer, so no state has to cross the network.
///
/// ```
/// group count varint, then per group:
///   series table of one entry (the group key), bucket count varint,
///   starts i64 × n (ns), then per stat: f64 × n
/// ```
public struct QueryAnswer: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var key: SeriesKey
        public var starts: [Int64]
        /// `columns[i][j]`: stat `i` of bucket `j`.
        public var columns: [[Double]]

        public init(key: SeriesKey, starts: [Int64], columns: [[Double]]) {
            self.key = key
            self.starts = starts
            self.columns = columns
        }
    }

    public var groups: [Group]

    /// Computes the stats of every bucket of `accumulator`.
    public init(_ accumulator: BucketAccumulator) throws(StatError) {
        let stats = try accumulator.spec.stats.map { (text: String) throws(StatError) -> Stat in try Stat(parsing: text) }
        let step = Step(nanoseconds: accumulator.spec.step)!
        groups = accumulator.groups.sorted { $0.key < $1.key }.map { key, buckets in
            let starts = buckets.keys.sorted()
            let columns = stats.map { stat in starts.map { buckets[$0]!.value(of: stat, windowLength: step) ?? .nan } }
            return Group(key: key, starts: starts, columns: columns)
        }
    }

    init(groups: [Group]) {
        self.groups = groups
    }

    public func encode() -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + groups.reduce(0) { $0 + $1.starts.count * 8 * (1 + $1.columns.count) })
        writer.appendVarint(UInt64(groups.count))
        for group in groups {
            Self.appendGroupHead(key: group.key, buckets: group.starts.count, into: &writer)
            writer.appendColumn(group.starts)
            for column in group.columns { writer.appendColumn(column) }
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8], statCount: Int) throws(DecodeError) -> QueryAnswer {
        var reader = ByteReader(bytes, subject: "query answer")
        let count = try reader.readCount("group count", limit: 1 << 20)
        var groups = [Group]()
        for _ in 0..<count {
            let (key, buckets) = try readGroupHead(from: &reader)
            let starts = try reader.readColumn(Int64.self, count: buckets, "bucket starts")
            var columns = [[Double]]()
            for _ in 0..<statCount { columns.append(try reader.readDoubleColumn(count: buckets, "stat column")) }
            groups.append(Group(key: key, starts: starts, columns: columns))
        }
        try reader.expectEnd()
        return QueryAnswer(groups: groups)
    }

    /// A group's head in an answer (this one's or `QueryStates`'): its key as a one-entry
    /// series table, then its bucket count.
    static func appendGroupHead(key: SeriesKey, buckets: Int, into writer: inout ByteWriter) {
        SeriesTable.encode([SeriesEntry(key: key)], into: &writer)
        writer.appendVarint(UInt64(buckets))
    }

    static func readGroupHead(from reader: inout ByteReader) throws(DecodeError) -> (key: SeriesKey, buckets: Int) {
        let table = try SeriesTable.decode(from: &reader, limits: WireLimits())
        guard table.count == 1 else { throw .invalid("group key", "want one series; got \(table.count)", in: reader.subject) }
        return (table[0].key, try reader.readCount("bucket count", limit: 10_000_000))
    }
}
