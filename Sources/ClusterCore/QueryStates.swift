import Aggregation
import Codec
import Model
import Wire

/// One piece's answer to a query of a split partition: per group, the merged window state of
/// every bucket, which the asker merges with the other pieces' before computing stats (stats
/// of the pieces could not be combined exactly: an average of averages, a quantile of
/// quantiles).
///
/// ```
/// base window i64 ns, sketch accuracy f64 (0: the states carry no quantile data),
/// group count varint, then per group:
///   series table of one entry (the group key), bucket count varint,
///   window columns of the buckets (series index 0, start = bucket start)
/// ```
public struct QueryStates: Sendable {
    public struct Group: Sendable {
        public var key: SeriesKey
        public var buckets: [(start: Int64, state: WindowState)]
    }

    public var groups: [Group]
    let window: Int64
    let sketchMapping: SketchMapping?

    /// The buckets of `accumulator`, whose states carry quantile data only when a quantile is asked.
    public init(_ accumulator: BucketAccumulator, window: Int64, sketchMapping: SketchMapping?) {
        self.window = window
        self.sketchMapping = accumulator.spec.needsSketches ? sketchMapping : nil
        groups = accumulator.groups.sorted { $0.key < $1.key }.map { key, buckets in
            Group(key: key, buckets: buckets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
    }

    init(groups: [Group], window: Int64, sketchMapping: SketchMapping?) {
        self.groups = groups
        self.window = window
        self.sketchMapping = sketchMapping
    }

    /// Merges the pieces' answers to `spec` and computes its stats, as one reducer holding
    /// every piece would have.
    public static func merge(_ pieces: [QueryStates], spec: QuerySpec) throws(StatError) -> QueryAnswer {
        var accumulator = BucketAccumulator(spec: spec)
        for piece in pieces {
            for group in piece.groups {
                let number = accumulator.groupNumber(ofGroup: group.key)
                for bucket in group.buckets { accumulator.add(group: number, windowStart: bucket.start, state: bucket.state) }
            }
        }
        return try QueryAnswer(accumulator)
    }

    public func encode() -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + groups.reduce(0) { $0 + $1.buckets.count * 64 })
        writer.append(window)
        writer.append(sketchMapping?.relativeAccuracy ?? 0)
        writer.appendVarint(UInt64(groups.count))
        for group in groups {
            QueryAnswer.appendGroupHead(key: group.key, buckets: group.buckets.count, into: &writer)
            let rows = group.buckets.map { WindowRow(seriesIndex: 0, windowStart: $0.start, state: $0.state) }
            WindowColumns.encode(rows, windowNanoseconds: window, withQuantiles: sketchMapping != nil, into: &writer)
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> QueryStates {
        var reader = ByteReader(bytes, subject: "query states")
        let window = try reader.read(Int64.self, "base window")
        guard window > 0 else { throw .invalid("base window", "want a positive length; got \(window)", in: reader.subject) }
        let accuracy = try reader.readDouble("sketch accuracy")
        guard accuracy == 0 || (accuracy > 0 && accuracy < 1) else {
            throw .invalid("sketch accuracy", "want 0 or a fraction below 1; got \(accuracy)", in: reader.subject)
        }
        let mapping = accuracy > 0 ? SketchMapping(relativeAccuracy: accuracy) : nil
        let count = try reader.readCount("group count", limit: 1 << 20)
        var groups = [Group]()
        for _ in 0..<count {
            let (key, buckets) = try QueryAnswer.readGroupHead(from: &reader)
            var quarantine = [QuarantinedRow]()
            let rows = try WindowColumns.decode(count: buckets, seriesCount: 1, windowNanoseconds: window, sketchMapping: mapping,
                                                from: &reader, quarantine: &quarantine)
            if let bad = quarantine.first { throw .invalid("bucket state", "bucket \(bad.index): \(bad.reason)", in: reader.subject) }
            groups.append(Group(key: key, buckets: rows.map { ($0.windowStart, $0.state) }))
        }
        try reader.expectEnd()
        return QueryStates(groups: groups, window: window, sketchMapping: mapping)
    }
}
