import Aggregation
import Codec
import Model
import Storage
import TestSupport
import Testing
import Wire

/// Every state that valid (finite) samples can produce survives the whole path: add → partial
/// batch encode → decode → merge → shard file → read → stats. Overflow is a defined state:
/// `sum` is ±infinity (or NaN once opposite overflows met), `stddev` infinity, never a refusal.
@Suite struct ExtremeValueTests {
    static let extremes: [Double] = [1e308, -1e308, 1.7e308, -1.7e308, 1e200, -1e200, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                     .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 2.2e-308, 1e-320, 0, -0.0, 1, -1, 1e16, -1e16]

    @Test(arguments: 0..<40)
    func extremeValuesEncodeDecodeMergeAndStore(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let count = Int.random(in: 1...40, using: &random)
        let values = (0..<count).map { _ in Self.extremes.randomElement(using: &random)! }
        let times = values.map { _ in Int64.random(in: 0..<60_000_000_000, using: &random) }
        // Two mappers' partials of the same window, through the wire.
        let cut = Int.random(in: 0...count, using: &random)
        var parts = [WindowState(), WindowState()]
        for index in 0..<count { parts[index < cut ? 0 : 1].add(values[index], at: times[index]) }
        let series = [SeriesEntry(key: SeriesKey(name: "extreme", tags: []), type: .gauge)]
        var merged = WindowState()
        for part in parts where !part.isEmpty {
            let frame = PartialBatch(id: 1, origin: "m", sequenceStart: 0, sequenceEnd: 1, windowNanoseconds: 60_000_000_000,
                                     sketchMapping: .standard, series: series, rows: [WindowRow(seriesIndex: 0, windowStart: 0, state: part)]).encode()
            let decoded = try PartialBatch.decode(frame)
            #expect(decoded.quarantined.isEmpty, "seed \(seed): \(decoded.quarantined)")
            #expect(decoded.rows.count == 1, "seed \(seed)")
            for row in decoded.rows { merged.merge(row.state) }
        }
        // Through a shard file and back.
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/extreme.shard"
        try ShardWriter().write(metadata: ShardMetadata(partition: 0, windowNanoseconds: 60_000_000_000, sketchMapping: .standard),
                                series: series, rows: [WindowRow(seriesIndex: 0, windowStart: 0, state: merged)], to: path)
        let stored = try ShardReader(path: path).verify()
        #expect(stored.count == 1, "seed \(seed)")
        let state = stored[0].state
        #expect(state.count == UInt64(count))
        #expect(state.min == values.min() && state.max == values.max(), "seed \(seed)")
        let exact = Exact.sum(values)
        let sum = state.value(of: .sum, windowLength: .minute)!
        if abs(exact) <= .greatestFiniteMagnitude / 4, values.allSatisfy({ abs($0) < 1e300 }) {
            // No intermediate can overflow: the compensated sum is exact to 1e-12.
            #expect(exact == 0 ? abs(sum) <= 1e-300 : Exact.relativeError(sum, exact) <= 1e-12, "seed \(seed): sum \(sum) vs \(exact)")
        } else {
            // Partial sums may leave the double range (the defined answer is then ±inf or NaN);
            // a finite answer must still be the exact one.
            #expect(sum.isNaN || sum.isInfinite || !exact.isFinite || Exact.relativeError(sum, exact) <= 1e-12,
                    "seed \(seed): sum \(sum) vs \(exact) of \(values)")
        }
        let stddev = state.value(of: .stddev, windowLength: .minute)!
        #expect(stddev >= 0 || stddev.isNaN == false, "seed \(seed): stddev \(stddev)")
        let p50 = state.value(of: .quantile(0.5), windowLength: .minute)!
        #expect(p50 >= state.min && p50 <= state.max, "seed \(seed): p50 \(p50) outside [min, max]")
    }

    @Test func opposingHugeValuesHaveAnInfiniteStddevAndAZeroMean() throws {
        var state = WindowState()
        state.add(1e200, at: 0)
        state.add(-1e200, at: 1)
        #expect(state.value(of: .sum, windowLength: .minute) == 0)
        #expect(state.value(of: .avg, windowLength: .minute) == 0)
        #expect(state.value(of: .stddev, windowLength: .minute) == .infinity)
        var sum = WindowState()
        sum.add(1.7e308, at: 0)
        sum.add(1.7e308, at: 1)
        #expect(sum.value(of: .sum, windowLength: .minute) == .infinity)
    }

    @Test func inconsistentRowsAreQuarantinedAndTheRestDecodes() throws {
        var good = WindowState(sketchMapping: nil)
        good.add(2, at: 5)
        good.add(3, at: 6)
        // The columns of two two-sample rows (docs/protocol.md, "Window columns"), the second
        // with min 100 > max 3: series, window starts, counts, first times and values, last
        // times and values, sums, compensations, mins, maxes, m2s.
        var writer = ByteWriter()
        for varint: UInt64 in [0, 0, 0, 1, 2, 2] { writer.appendVarint(varint) }
        writer.appendScaledColumn([5, 5 - 60])
        writer.appendDecimalColumn([2.0, 2.0])
        writer.appendScaledColumn([6, 6 - 60])
        writer.appendDecimalColumn([3.0, 3.0])
        writer.appendDecimalColumn([5.0, 5.0])
        writer.appendDecimalColumn([0.0, 0.0])
        writer.appendDecimalColumn([2.0, 100.0])
        writer.appendDecimalColumn([3.0, 3.0])
        writer.appendColumn([good.m2, good.m2])
        let bytes = writer.bytes
        var reader = ByteReader(bytes, subject: "test rows")
        var quarantine = [QuarantinedRow]()
        let decoded = try WindowColumns.decode(count: 2, seriesCount: 1, windowNanoseconds: 60, sketchMapping: nil,
                                               from: &reader, quarantine: &quarantine)
        #expect(decoded.count == 1 && decoded[0].windowStart == 0 && decoded[0].state == good)
        #expect(quarantine.count == 1 && quarantine[0].index == 1 && quarantine[0].reason.contains("min"))
    }
}
