import Aggregation
import Model
import Wire

/// What a front node asks a reducer: the base windows of one metric in a time range, filtered by
/// tags, merged into buckets of `step` and groups of `groupBy` tags.
public struct QuerySpec: Codable, Hashable, Sendable {
    public var name: String
    /// Start of the range, inclusive, ns.
    public var from: Int64
    /// End of the range, exclusive, ns.
    public var to: Int64
    /// Bucket length, ns: a multiple of the base window.
    public var step: Int64
    /// Only series with all of these tags.
    public var tags: [Tag]
    /// One result series per distinct combination of these tags' values.
    public var groupBy: [String]
    /// The stats to compute per bucket (`avg`, `p99`, ...).
    public var stats: [String]
    /// Most series the query may read (the front's `--query-series-max`); `nil`: no limit.
    public var seriesMax: Int?
    /// One result series per series read (its whole key), `groupBy` aside; `nil`: false.
    public var perSeries: Bool?
    /// Where buckets start, ns past the epoch's multiples of `step` (a multiple of the base
    /// window below `step`); `nil`: 0, buckets aligned to the epoch.
    public var offset: Int64?
    /// The epoch of the map the asker routed by (`nil`: the reducer's own): a reducer whose map
    /// is newer refuses the query with `moved`, so that no window is answered from two holders.
    public var epoch: UInt64?

    public init(name: String, from: Int64, to: Int64, step: Int64, tags: [Tag] = [], groupBy: [String] = [], stats: [String] = ["avg"],
                seriesMax: Int? = nil, perSeries: Bool? = nil, offset: Int64? = nil) {
        self.name = name
        self.from = from
        self.to = to
        self.step = step
        self.tags = tags
        self.groupBy = groupBy
        self.stats = stats
        self.seriesMax = seriesMax
        self.perSeries = perSeries
        self.offset = offset
    }

    /// The start of the bucket holding `time` (ns).
    @inline(__always)
    public func bucketStart(_ time: Int64) -> Int64 {
        let shift = offset ?? 0
        return (time &- shift).floorDivided(by: step) &* step &+ shift
    }

    /// Whether any requested stat is a quantile, so that sketches must be read and merged.
    public var needsSketches: Bool {
        stats.contains { if case .quantile? = try? Stat(parsing: $0) { true } else { false } }
    }

    public var filter: SeriesFilter { SeriesFilter(name: name, tags: tags) }

    /// Checks a spec decoded from a peer against the cluster's base window: a bad spec gets an
    /// error naming the field, never a trap further on.
    public func validated(window: Step) throws(QuerySpecError) -> QuerySpec {
        guard !name.isEmpty, name.utf8.count <= 200 else { throw QuerySpecError("name must be 1 to 200 bytes; got \(name.utf8.count)") }
        guard from < to else { throw QuerySpecError("from \(from) must be before to \(to)") }
        guard step > 0, step % window.nanoseconds == 0 else {
            throw QuerySpecError("step \(step) ns is not a positive multiple of the base window (\(window.nanoseconds) ns)")
        }
        if let offset {
            guard offset >= 0, offset < step, offset % window.nanoseconds == 0 else {
                throw QuerySpecError("offset \(offset) ns is not a multiple of the base window below the step")
            }
        }
        guard !stats.isEmpty, stats.count <= 32 else { throw QuerySpecError("between 1 and 32 stats are answered; got \(stats.count)") }
        for stat in stats {
            do { _ = try Stat(parsing: stat) } catch { throw QuerySpecError(error.description) }
        }
        guard tags.count <= 16, groupBy.count <= 16 else { throw QuerySpecError("at most 16 tag filters and 16 group-by keys") }
        return self
    }
}

/// Why a query spec from a peer cannot be answered.
public struct QuerySpecError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "invalid query: " + description }
}

/// Which series a query reads: one name, and tags that must all be present with these values.
public struct SeriesFilter: Hashable, Sendable {
    public var name: String
    public var tags: [Tag]

    public init(name: String, tags: [Tag]) {
        self.name = name
        self.tags = tags
    }

    @inline(__always)
    public func matches(_ key: SeriesKey) -> Bool {
        key.name == name && tags.allSatisfy { key.tag($0.key) == $0.value }
    }
}

/// Merges base windows into query buckets: one state per (group, bucket start).
public struct BucketAccumulator: Sendable {
    public let spec: QuerySpec
    /// Groups by number: their keys (the name plus the group-by tags, or plus the filter tags
    /// without group-by) and their buckets (bucket start → merged state).
    private var groupKeys: [SeriesKey] = []
    private var groupBuckets: [[Int64: WindowState]] = []
    private var groupOfKey: [SeriesKey: Int] = [:]
    /// The distinct series read so far, counted only under a limit.
    private var admitted = Set<SeriesKey>()
    /// Series lists admitted while their lengths summed stay within the limit (so no set is
    /// needed yet), and that sum.
    private var admittedLists: [[SeriesKey]] = []
    private var admittedBound = 0

    public init(spec: QuerySpec) {
        self.spec = spec
    }

    /// Per group key: bucket start → merged state.
    public var groups: [SeriesKey: [Int64: WindowState]] {
        Dictionary(uniqueKeysWithValues: zip(groupKeys, groupBuckets))
    }

    /// Counts `series` as read by the query, before any of its rows is added; refuses it
    /// when the query would read more series than `spec.seriesMax`.
    public mutating func admit(_ series: SeriesKey) throws(QuerySeriesLimitError) {
        guard let limit = spec.seriesMax else { return }
        settleAdmitted()
        admitted.insert(series)
        if admitted.count > limit { throw QuerySeriesLimitError(name: spec.name, limit: limit) }
    }

    /// Counts a list of series (a cached file result's) as read: while the lists' lengths
    /// summed stay within the limit no series is hashed, since the distinct ones cannot exceed it.
    public mutating func admit(all series: [SeriesKey]) throws(QuerySeriesLimitError) {
        guard let limit = spec.seriesMax else { return }
        if admitted.isEmpty, admittedBound + series.count <= limit {
            admittedBound += series.count
            admittedLists.append(series)
            return
        }
        settleAdmitted()
        admitted.formUnion(series)
        if admitted.count > limit { throw QuerySeriesLimitError(name: spec.name, limit: limit) }
    }

    /// Moves the lists admitted unhashed into the set.
    private mutating func settleAdmitted() {
        guard !admittedLists.isEmpty else { return }
        for list in admittedLists { admitted.formUnion(list) }
        admittedLists = []
    }

    /// The group a series falls in.
    public func group(of series: SeriesKey) -> SeriesKey {
        if spec.perSeries == true { return series }
        if spec.groupBy.isEmpty { return SeriesKey(name: spec.name, tags: spec.tags) }
        let tags = spec.groupBy.compactMap { key in series.tag(key).map { Tag(key, $0) } }
        return SeriesKey(name: spec.name, tags: tags)
    }

    /// The number of the group `series` falls in: look it up once per series, then add the
    /// series' rows with `add(group:windowStart:state:)`.
    public mutating func groupNumber(of series: SeriesKey) -> Int {
        groupNumber(ofGroup: group(of: series))
    }

    /// The number of the group whose key is `key` (as `group(of:)` gives it).
    public mutating func groupNumber(ofGroup key: SeriesKey) -> Int {
        if let number = groupOfKey[key] { return number }
        groupOfKey[key] = groupKeys.count
        groupKeys.append(key)
        groupBuckets.append([:])
        return groupKeys.count - 1
    }

    /// Adds one base window (or an already merged bucket) to group `group`.
    @inline(__always)
    public mutating func add(group: Int, windowStart: Int64, state: WindowState) {
        groupBuckets[group].merge(state, into: spec.bucketStart(windowStart))
    }

    /// Adds one base window (or an already merged bucket) of `series`.
    public mutating func add(series: SeriesKey, windowStart: Int64, state: WindowState) {
        add(group: groupNumber(of: series), windowStart: windowStart, state: state)
    }
}

/// A query that would read more series than the front allows (`--query-series-max`).
public struct QuerySeriesLimitError: Error, CustomStringConvertible, Sendable {
    public let name: String
    public let limit: Int

    /// Starts the message a reducer sends back, so that the front answers `422` for it.
    public static let prefix = "query_series_limit: "

    public var description: String {
        Self.prefix + "the query reads more than \(limit) series of '\(name)' (--query-series-max); "
            + "narrow it with tag filters or raise the limit"
    }
}

/// A query at a finer step than retention still keeps for part of its range.
public struct QueryRetentionError: Error, CustomStringConvertible, Sendable {
    /// The first day (UTC, as RFC 3339) whose rows at the asked resolution are gone.
    public let day: String
    public let asked: String
    /// The finest resolution still kept there, and the retention in force.
    public let kept: String
    public let retention: String

    public init(day: String, asked: String, kept: String, retention: String) {
        self.day = day
        self.asked = asked
        self.kept = kept
        self.retention = retention
    }

    /// Starts the message a reducer sends back, so that the front answers `422` for it.
    public static let prefix = "query_retention: "

    public var description: String {
        Self.prefix + "rows at the step \(asked) are no longer kept for the day of \(day) (--retention \(retention)); "
            + "the resolution there is \(kept): ask with a step that is a multiple of \(kept) and a range aligned to it, or a later range"
    }
}

extension Dictionary where Key == Int64, Value == WindowState {
    /// Merges `state` into the bucket's state in place, or makes it the bucket's state.
    @inline(__always)
    mutating func merge(_ state: WindowState, into bucket: Int64) {
        if let index = index(forKey: bucket) {
            values[index].merge(state)
        } else {
            self[bucket] = state
        }
    }
}
