import Codec
import Model
import TestSupport
import Testing
@testable import Wire

@Suite struct SampleBatchTests {
    @Test func headerSizeIsPinned() {
        // If this breaks, the frame format changed: bump FrameHeader.version and docs/protocol.md.
        #expect(FrameHeader.size == 32)
        let frame = SampleBatch(id: 1, series: [], seriesIndices: [], timestamps: [], values: []).encode()
        #expect(frame.count == 32 + 1)
    }

    @Test(arguments: [0, 1, 10, 1000, 50_000])
    func roundTripsRandomBatches(samples: Int) throws {
        var random = SeededGenerator(seed: UInt64(samples))
        let batch = Fixtures.sampleBatch(samples: samples, series: max(1, samples / 10), using: &random)
        for compress in [true, false] {
            let decoded = try SampleBatch.decode(batch.encode(compress: compress))
            #expect(decoded == batch)
        }
    }

    @Test func compressesRegularData() throws {
        var builder = SampleBatchBuilder()
        let series = builder.intern(SeriesEntry(key: SeriesKey(name: "cpu", tags: [Tag("host", "a")])))
        for second in 0..<10_000 {
            builder.append(seriesIndex: series, timestamp: Int64(second) * 1_000_000_000, value: Double(second % 100))
        }
        let frame = builder.finish(id: 1).encode()
        #expect(frame.count < 10_000 * 20 / 4)
        #expect(try Frame.header(of: frame).compressed)
    }

    @Test func everyByteFlipAndTruncationIsRejected() throws {
        var random = SeededGenerator(seed: 42)
        for compress in [true, false] {
            let frame = Fixtures.sampleBatch(samples: 40, series: 3, using: &random).encode(compress: compress)
            for position in frame.indices {
                for bit in [0, 3, 7] {
                    var damaged = frame
                    damaged[position] ^= 1 << bit
                    #expect(throws: DecodeError.self, "flip at \(position)") { try SampleBatch.decode(damaged) }
                }
            }
            for length in 0..<frame.count {
                #expect(throws: DecodeError.self, "truncated to \(length)") { try SampleBatch.decode(Array(frame[..<length])) }
            }
            #expect(throws: DecodeError.self) { try SampleBatch.decode(frame + [0]) }
        }
    }

    @Test func rejectsFramesOverTheLimitsBeforeAllocating() throws {
        var random = SeededGenerator(seed: 43)
        let frame = Fixtures.sampleBatch(samples: 1000, series: 5, using: &random).encode()
        var limits = WireLimits()
        limits.itemsMax = 999
        #expect(throws: DecodeError.self) { try SampleBatch.decode(frame, limits: limits) }
        limits = WireLimits()
        limits.payloadBytesMax = 100
        #expect(throws: DecodeError.self) { try SampleBatch.decode(frame, limits: limits) }
    }

    @Test func validChecksumOverGarbageIsStillRejected() throws {
        // A well-formed frame whose payload lies about its own structure.
        var random = SeededGenerator(seed: 44)
        for _ in 0..<500 {
            let payload = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let frame = Frame.encode(kind: .samples, batchID: 1, itemCount: Int.random(in: 0...20, using: &random), payload: payload)
            _ = try? SampleBatch.decode(frame)
        }
        let lying = Frame.encode(kind: .samples, batchID: 1, itemCount: 1_000_000, payload: [0])
        #expect(throws: DecodeError.self) { try SampleBatch.decode(lying) }
        let wrongKind = Frame.encode(kind: .partials, batchID: 1, itemCount: 0, payload: [0])
        #expect(throws: DecodeError.self) { try SampleBatch.decode(wrongKind) }
    }
}
