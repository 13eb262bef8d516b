import Aggregation
import Codec
import TestSupport
import Testing
import Wire

@Suite struct PartialBatchTests {
    @Test(arguments: [true, false])
    func roundTripsRandomBatches(sketches: Bool) throws {
        var random = SeededGenerator(seed: sketches ? 1 : 2)
        for rows in [0, 1, 17, 3000] {
            let batch = Fixtures.partialBatch(rows: rows, series: 5, sketches: sketches, using: &random)
            let decoded = try PartialBatch.decode(batch.encode())
            #expect(decoded.origin == batch.origin)
            #expect(decoded.sequenceStart == 100 && decoded.sequenceEnd == 200)
            #expect(decoded.series == batch.series)
            #expect(decoded.rows.count == rows)
            for (got, want) in zip(decoded.rows, batch.rows) {
                #expect(got.seriesIndex == want.seriesIndex && got.windowStart == want.windowStart)
                #expect(got.state.count == want.state.count && got.state.sum == want.state.sum)
                #expect(got.state.first == want.state.first && got.state.last == want.state.last)
                #expect(got.state.m2 == want.state.m2 && got.state.min == want.state.min && got.state.max == want.state.max)
                for q in [0.1, 0.5, 0.99] {
                    #expect(got.state.value(of: .quantile(q), windowLength: .minute) == want.state.value(of: .quantile(q), windowLength: .minute))
                }
            }
        }
    }

    @Test func everyByteFlipAndTruncationIsRejected() throws {
        var random = SeededGenerator(seed: 3)
        let frame = Fixtures.partialBatch(rows: 6, series: 2, sketches: true, using: &random).encode()
        for position in frame.indices {
            var damaged = frame
            damaged[position] ^= 0x10
            #expect(throws: DecodeError.self, "flip at \(position)") { try PartialBatch.decode(damaged) }
        }
        for length in 0..<frame.count {
            #expect(throws: DecodeError.self, "truncated to \(length)") { try PartialBatch.decode(Array(frame[..<length])) }
        }
    }

    @Test func inconsistentRowsAreQuarantinedEvenWithAValidChecksum() throws {
        var random = SeededGenerator(seed: 4)
        var batch = Fixtures.partialBatch(rows: 1, series: 1, sketches: false, using: &random)
        batch.sequenceStart = 300
        #expect(throws: DecodeError.self) { try PartialBatch.decode(batch.encode()) }
        // Hand-build a frame with min > max: the state constructor refuses it.
        var writer = ByteWriter()
        writer.appendString("m")
        writer.append(UInt64(0))
        writer.append(UInt64(1))
        writer.append(Int64(60_000_000_000))
        writer.append(0.0)
        SeriesTable.encode(batch.series, into: &writer)
        // One two-sample row: series 0, window 0, count 2, first at +0 (value 2), last at +0
        // (value 5), then sum 7, compensation 0, min 5, max 2, m2 4.5.
        for varint: UInt64 in [0, 0, 2] { writer.appendVarint(varint) }
        writer.appendScaledColumn([0])
        writer.appendDecimalColumn([2.0])
        writer.appendScaledColumn([0])
        for value in [5.0, 7, 0, 5, 2] { writer.appendDecimalColumn([value]) }
        writer.appendColumn([4.5])
        let frame = Frame.encode(kind: .partials, batchID: 1, itemCount: 1, payload: writer.bytes)
        // The frame checks out, so the batch decodes; the row no state can have is set aside.
        let decoded = try PartialBatch.decode(frame)
        #expect(decoded.rows.isEmpty)
        #expect(decoded.quarantined.count == 1 && decoded.quarantined[0].reason.contains("min 5.0 and max 2.0"))
    }
}
