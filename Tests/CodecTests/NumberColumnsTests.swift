import Codec
import Testing

/// The decimal and scaled columns are lossless for every double and integer, and short for the
/// values metrics usually carry.
@Suite struct NumberColumnsTests {
    @Test func decimalColumnsGiveEveryDoubleBackBitForBit() throws {
        var state: UInt64 = 12345
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 123.456, -98.765, 1e15, 9_007_199_254_740_993, .infinity, -.infinity, .nan,
                                .leastNonzeroMagnitude, .greatestFiniteMagnitude, 3.14159265358979]
        for _ in 0..<2000 { values.append(Double(bitPattern: next())) }
        for _ in 0..<2000 { values.append(Double(Int64(bitPattern: next()) % 10_000_000) / 1000) }
        var writer = ByteWriter()
        writer.appendDecimalColumn(values)
        var reader = ByteReader(writer.bytes, subject: "column")
        let decoded = try reader.readDecimalColumn(count: values.count, "values")
        try reader.expectEnd()
        #expect(decoded.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func threeDecimalValuesAndMillisecondOffsetsAreShort() throws {
        let values = (0..<1000).map { Double($0 * 37 % 100_000) / 1000 }
        var writer = ByteWriter()
        writer.appendDecimalColumn(values)
        #expect(writer.count <= 1 + 3 * values.count)
        let offsets = (0..<1000).map { Int64($0 * 59) * 1_000_000 }
        var times = ByteWriter()
        times.appendScaledColumn(offsets)
        #expect(times.count <= 1 + 3 * offsets.count)
        var reader = ByteReader(times.bytes, subject: "times")
        #expect(try reader.readScaledColumn(count: offsets.count, "offsets") == offsets)
        let odd: [Int64] = [0, 7, -3, .max, .min + 1]
        var mixed = ByteWriter()
        mixed.appendScaledColumn(odd)
        var mixedReader = ByteReader(mixed.bytes, subject: "mixed")
        #expect(try mixedReader.readScaledColumn(count: odd.count, "offsets") == odd)
    }
}
