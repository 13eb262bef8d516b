import Aggregation
import ClusterCore
import Model
import Testing
import Wire

/// Limits on live series in a mapper, the forgetting of idle series (mapper and reducer), the
/// query limit, and the reducer's one-pass seal.
@Suite struct CardinalityTests {
    static let minute: Int64 = 60_000_000_000
    static let now = Timestamp(nanoseconds: 1_700_000_000 * 1_000_000_000)

    /// One sample for each of `hosts` series of `name`, at `now`.
    static func batch(_ name: String, hosts: Range<Int>, at time: Timestamp = now) -> SampleBatch {
        let series = hosts.map { SeriesEntry(key: SeriesKey(name: name, tags: [Tag("host", "h\($0)")])) }
        return SampleBatch(id: 1, series: series, seriesIndices: (0..<UInt32(series.count)).map { $0 },
                           timestamps: series.map { _ in time.nanoseconds }, values: series.map { _ in 1 })
    }

    static func aggregator(seriesMax: Int, nameSeriesMax: Int) -> MapperAggregator {
        var limits = SeriesLimits()
        limits.seriesMax = seriesMax
        limits.nameSeriesMax = nameSeriesMax
        limits.idleNanoseconds = 10 * minute
        limits.sweepIntervalNanoseconds = minute
        return MapperAggregator(window: .minute, sketchMapping: .standard, partitionCount: 16, limits: limits)
    }

    @Test func newSeriesPastEachLimitAreRefusedWithTheirReasonAndKnownSeriesGoOn() {
        var aggregator = Self.aggregator(seriesMax: 10, nameSeriesMax: 4)
        let perName = aggregator.add(Self.batch("cpu", hosts: 0..<6), arrival: Self.now)
        #expect(perName.accepted == 4 && perName.rejectedByReason == [.nameSeriesLimit: 2])
        #expect(perName.details.first?.error.message.contains("--name-series-max 4") == true)
        let total = aggregator.add(Self.batch("mem", hosts: 0..<4), arrival: Self.now)
            .merged(aggregator.add(Self.batch("disk", hosts: 0..<4), arrival: Self.now))
        #expect(total.accepted == 6 && total.rejectedByReason == [.seriesLimit: 2])
        // Series already live still take samples.
        #expect(aggregator.add(Self.batch("cpu", hosts: 0..<4), arrival: Self.now).accepted == 4)
        // A log replay is not refused: its series were taken when it arrived.
        #expect(aggregator.add(Self.batch("net", hosts: 0..<3), arrival: Self.now, trusted: true).accepted == 3)
        aggregator.clusterFull = true
        let full = aggregator.add(Self.batch("gpu", hosts: 0..<1), arrival: Self.now)
        #expect(full.rejectedByReason == [.clusterSeriesLimit: 1])
    }

    @Test func idleSeriesAreForgottenAndNoLongerCount() {
        var aggregator = Self.aggregator(seriesMax: 5, nameSeriesMax: 5)
        #expect(aggregator.add(Self.batch("cpu", hosts: 0..<5), arrival: Self.now).accepted == 5)
        _ = aggregator.drain(reducerCount: 1) { _, _ in 0 }
        let later = Timestamp(nanoseconds: Self.now.nanoseconds + 11 * Self.minute)
        // Still full until the sweep after the idle time.
        #expect(aggregator.add(Self.batch("cpu", hosts: 5..<6, at: later), arrival: later).rejectedByReason == [.seriesLimit: 1])
        _ = aggregator.drain(reducerCount: 1) { _, _ in 0 }
        #expect(aggregator.seriesCount == 0)
        #expect(aggregator.add(Self.batch("cpu", hosts: 5..<10, at: later), arrival: later).accepted == 5)
    }

    @Test func aSealTakesExactlyTheClosedWindowsAndForgetsSeriesLeftEmpty() throws {
        var store = ReducerStore(window: .minute, sketchMapping: .standard, partitionCount: 4)
        var rows = [WindowRow]()
        var series = [SeriesEntry]()
        var expected = [Int64: UInt64]()
        for host in 0..<50 {
            series.append(SeriesEntry(key: SeriesKey(name: "cpu", tags: [Tag("host", "h\(host)")])))
            for window in 0..<(host % 5 + 1) {
                var state = WindowState()
                for sample in 0...(window % 3) { state.add(Double(host * 10 + sample), at: Int64(window) * Self.minute) }
                rows.append(WindowRow(seriesIndex: UInt32(host), windowStart: Int64(window) * Self.minute, state: state))
                expected[Int64(window) * Self.minute, default: 0] += state.count
            }
        }
        store.merge(series: series, rows: rows)
        #expect(store.openWindowCount == rows.count && store.seriesCount == 50)
        // Windows 0 and 1 end by 2 minutes.
        let taken = store.takeSealable(endingBy: 2 * Self.minute)
        let takenRows = taken.values.flatMap(\.rows)
        #expect(takenRows.allSatisfy { $0.windowStart < 2 * Self.minute })
        #expect(takenRows.count + store.openWindowCount == rows.count)
        #expect(UInt64(takenRows.reduce(0) { $0 + $1.state.count }) == expected[0]! + expected[Self.minute]!)
        // Hosts with one or two windows (host % 5 < 2) have none open and are forgotten.
        #expect(store.seriesCount == 30)
        var accumulator = BucketAccumulator(spec: QuerySpec(name: "cpu", from: 0, to: 10 * Self.minute, step: Self.minute))
        try store.openRows(matching: SeriesFilter(name: "cpu", tags: []), from: 0, to: 10 * Self.minute, into: &accumulator)
        let open = accumulator.groups.values.flatMap(\.values).reduce(0) { $0 + $1.count }
        #expect(open == expected.filter { $0.key >= 2 * Self.minute }.values.reduce(0, +))
        // A forgotten series comes back on its next partial, in a reused slot.
        store.merge(series: [series[0]], rows: [WindowRow(seriesIndex: 0, windowStart: 9 * Self.minute, state: rows[0].state)])
        #expect(store.seriesCount == 31 && store.names(prefix: "c") == ["cpu"])
    }

    @Test func aQueryReadingMoreSeriesThanItsLimitIsRefusedNamingIt() throws {
        var store = ReducerStore(window: .minute, sketchMapping: nil, partitionCount: 4)
        let series = (0..<20).map { SeriesEntry(key: SeriesKey(name: "cpu", tags: [Tag("host", "h\($0)")])) }
        var state = WindowState(sketchMapping: nil)
        state.add(1, at: 0)
        store.merge(series: series, rows: (0..<20).map { WindowRow(seriesIndex: UInt32($0), windowStart: 0, state: state) })
        var within = BucketAccumulator(spec: QuerySpec(name: "cpu", from: 0, to: Self.minute, step: Self.minute, seriesMax: 20))
        try store.openRows(matching: SeriesFilter(name: "cpu", tags: []), from: 0, to: Self.minute, into: &within)
        var beyond = BucketAccumulator(spec: QuerySpec(name: "cpu", from: 0, to: Self.minute, step: Self.minute, seriesMax: 19))
        let error = #expect(throws: QuerySeriesLimitError.self) {
            try store.openRows(matching: SeriesFilter(name: "cpu", tags: []), from: 0, to: Self.minute, into: &beyond)
        }
        #expect(error?.description.contains("more than 19 series of 'cpu'") == true)
    }
}

extension IngestOutcome {
    func merged(_ other: IngestOutcome) -> IngestOutcome {
        var result = self
        result.accepted += other.accepted
        result.rejected += other.rejected
        for (reason, count) in other.rejectedByReason { result.rejectedByReason[reason, default: 0] += count }
        return result
    }
}

/// Rows arriving in any order (in order, reversed, shuffled, repeated) land in one state per
/// (series, window), and a seal takes exactly the windows it should.
@Suite struct ReducerStoreOrderTests {
    @Test(arguments: [0, 1, 2])
    func rowsInAnyOrderMergeIntoOneStatePerWindow(order: Int) throws {
        let minute: Int64 = 60_000_000_000
        // 200 rows: each of 40 windows of each of 2 series gets 2 or 3 of them.
        var rows: [(start: Int64, series: UInt32, value: Double)] = []
        for position in 0..<200 {
            rows.append((start: Int64(position % 40) * minute, series: UInt32((position / 40) % 2), value: Double(position)))
        }
        if order == 1 { rows.reverse() }
        if order == 2 {
            var random = SystemRandomNumberGenerator()
            rows.shuffle(using: &random)
        }
        var store = ReducerStore(window: .minute, sketchMapping: .standard, partitionCount: 4)
        let series = [SeriesEntry(key: SeriesKey(name: "cpu")), SeriesEntry(key: SeriesKey(name: "cpu", tags: [Tag("host", "a")]))]
        var want = [Int64: Double]()
        for row in rows {
            var state = WindowState()
            state.add(row.value, at: row.start)
            store.merge(series: series, rows: [WindowRow(seriesIndex: row.series, windowStart: row.start, state: state)])
            want[row.start, default: 0] += row.value
        }
        #expect(store.openWindowCount == 80)
        var accumulator = BucketAccumulator(spec: QuerySpec(name: "cpu", from: 0, to: 40 * minute, step: minute))
        try store.openRows(matching: SeriesFilter(name: "cpu", tags: []), from: 0, to: 40 * minute, into: &accumulator)
        let got = accumulator.groups.values.first ?? [:]
        #expect(got.mapValues(\.sum.value) == want)
        let sealed = store.takeSealable(endingBy: 20 * minute)
        #expect(sealed.values.reduce(0) { $0 + $1.rows.count } == 40 && store.openWindowCount == 40)
        // What is left still merges in place.
        var late = WindowState()
        late.add(1000, at: 39 * minute)
        store.merge(series: series, rows: [WindowRow(seriesIndex: 0, windowStart: 39 * minute, state: late)])
        #expect(store.openWindowCount == 40)
    }
}
