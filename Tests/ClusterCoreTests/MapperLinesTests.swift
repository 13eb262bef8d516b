import Aggregation
import ClusterCore
import Ingest
import Model
import Testing
import Wire

/// Line protocol read by a mapper's aggregator: folding the staged samples gives exactly the
/// windows of the batch it logs for them (what a replay reads) and of the reference parser's
/// batch; the series limits refuse lines' samples by name; forgetting idle series renumbers
/// slots, and the reader follows.
@Suite struct MapperLinesTests {
    static let minute: Int64 = 60_000_000_000
    static let now = Timestamp(nanoseconds: 1_700_000_000 * 1_000_000_000)

    static func aggregator(nameSeriesMax: Int = 250_000) -> MapperAggregator {
        var limits = SeriesLimits()
        limits.nameSeriesMax = nameSeriesMax
        limits.idleNanoseconds = 10 * minute
        limits.sweepIntervalNanoseconds = minute
        return MapperAggregator(window: .minute, sketchMapping: .standard, partitionCount: 16, limits: limits)
    }

    /// Every drained window, by series and start.
    static func windows(_ aggregator: inout MapperAggregator) throws -> [String: WindowState] {
        var result = [String: WindowState]()
        for group in aggregator.drain(reducerCount: 2, reducerOf: { partition, _ in partition % 2 }) {
            let series = try group.table.entries()
            for row in group.rows { result["\(series[Int(row.seriesIndex)].key)@\(row.windowStart)"] = row.state }
        }
        return result
    }

    static func body(round: Int, at time: Timestamp) -> [UInt8] {
        var lines = [String]()
        for index in 0..<400 {
            let host = (index * 7 + round * 13) % 60
            let offset = Int64((index * 37) % 300) * 1_000_000_000
            lines.append("cpu,host=h\(host),dc=d\(host % 3) value=\(Double(index) / 8),idle=\(index % 9)i \(time.nanoseconds - offset)")
            if index % 50 == 0 { lines.append("mem value=\(index) ") }
            if index % 97 == 0 { lines.append("cpu,host=h\(host) value=abc \(time.nanoseconds)") }
            if index % 89 == 0 { lines.append("cpu,host=h\(host) note=\"a, b\",value=1.5 \(time.nanoseconds)") }
        }
        return Array(lines.joined(separator: "\n").utf8)
    }

    @Test func stagedLinesFoldAsTheirLoggedBatchReplays() throws {
        var reading = Self.aggregator()
        var replaying = Self.aggregator()
        var reference = Self.aggregator()
        var reader = LineReader()
        for round in 0..<5 {
            let body = Self.body(round: round, at: Self.now)
            let start = reading.stagedCount
            let report = body.withUnsafeBufferPointer { reader.read($0, precision: .nanoseconds, validator: reading.validator, now: Self.now, into: &reading) }
            let staged = start..<reading.stagedCount
            let logged = try SampleBatch.decode(reading.stagedFrame(staged, id: 9, producerKey: ProducerKey(producer: "http:k", sequence: 0)))
            reading.fold(staged: staged, arrival: Self.now)
            reading.clearStaged()
            _ = replaying.add(logged, arrival: Self.now, trusted: true)
            let parsed = LineProtocol.parse(body, precision: .nanoseconds, validator: SampleValidator(), now: Self.now)
            _ = reference.add(parsed.batch, arrival: Self.now)
            #expect(report.taken == parsed.batch.count && report.badLineCount == parsed.errors.count && report.badLineCount == 5)
            #expect(report.stringFieldsSkipped == 5 && parsed.stringFieldsSkipped == 5, "string fields are read past, their lines' numbers taken")
            #expect(logged.count == parsed.batch.count && logged.producerKey?.producer == "http:k" && logged.id == 9)
            #expect(logged.series.count == Set(logged.series).count, "each series once in the logged batch")
        }
        let read = try Self.windows(&reading)
        #expect(!read.isEmpty)
        #expect(try read == Self.windows(&replaying))
        #expect(try read == Self.windows(&reference))
    }

    @Test func limitsRefuseLinesSamplesAndForgettingIdleSeriesRenumbers() throws {
        var aggregator = Self.aggregator(nameSeriesMax: 5)
        var reader = LineReader()
        func read(_ text: String, at time: Timestamp) -> LineReport {
            let report = Array(text.utf8).withUnsafeBufferPointer { reader.read($0, precision: .nanoseconds, validator: aggregator.validator, now: time, into: &aggregator) }
            aggregator.fold(staged: 0..<aggregator.stagedCount, arrival: time)
            aggregator.clearStaged()
            return report
        }
        let first = read((0..<8).map { "net,host=h\($0) value=\($0) \(Self.now.nanoseconds)" }.joined(separator: "\n"), at: Self.now)
        #expect(first.taken == 5 && first.refused == 3 && first.rejectedByReason == [.nameSeriesLimit: 3])
        #expect(first.firstRefusal?.message.contains("--name-series-max 5") == true)
        _ = aggregator.drain(reducerCount: 1) { _, _ in 0 }
        // Eleven minutes on, the sweep forgets h0-h4 (idle); a new set of hosts is numbered
        // afresh, and each sample lands in its own series.
        let later = Timestamp(nanoseconds: Self.now.nanoseconds + 11 * Self.minute)
        _ = read("other value=1 \(later.nanoseconds)", at: later)
        let epoch = aggregator.seriesEpoch
        _ = aggregator.drain(reducerCount: 1) { _, _ in 0 }
        #expect(aggregator.seriesEpoch == epoch + 1 && aggregator.seriesCount == 1)
        let second = read((3..<8).map { "net,host=h\($0) value=\($0 * 10) \(later.nanoseconds)" }.joined(separator: "\n"), at: later)
        #expect(second.taken == 5 && second.refused == 0)
        let windows = try Self.windowsOf(&aggregator)
        for host in 3..<8 {
            #expect(windows["net{host=h\(host)}"]?.sum.value == Double(host * 10), "h\(host) holds its own sample")
        }
    }

    static func windowsOf(_ aggregator: inout MapperAggregator) throws -> [String: WindowState] {
        var result = [String: WindowState]()
        for group in aggregator.drain(reducerCount: 1, reducerOf: { _, _ in 0 }) {
            let series = try group.table.entries()
            for row in group.rows { result["\(series[Int(row.seriesIndex)].key)"] = row.state }
        }
        return result
    }
}
