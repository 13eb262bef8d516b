import Model
import Testing
import Wire

/// The worked example of docs/protocol.md, byte for byte: if this fails, the document and
/// the implementation disagree.
@Suite struct GoldenFrameTests {
    static let example: [UInt8] = hex("""
        57 4e 44 57 01 01 00 00 01 00 00 00 00 00 00 00
        01 00 00 00 22 00 00 00 22 00 00 00 d2 cf 65 33
        01 03 63 70 75 00 01 04 68 6f 73 74 01 61 00 00
        00 00 00 00 fa ed 51 72 86 18 00 00 00 00 00 00
        e0 3f
        """)

    static func hex(_ text: String) -> [UInt8] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
    }

    @Test func theDocumentedExampleEncodesAndDecodes() throws {
        var builder = SampleBatchBuilder()
        builder.append(Sample(name: "cpu", value: 0.5, timestamp: RFC3339.parse("2026-01-01T00:00:00Z"), tags: [Tag("host", "a")]))
        let frame = builder.finish(id: 1).encode(compress: false)
        #expect(frame == Self.example, "\(frame.map { String($0, radix: 16) })")
        let decoded = try SampleBatch.decode(Self.example)
        #expect(decoded.series == [SeriesEntry(key: SeriesKey(name: "cpu", tags: [Tag("host", "a")]), type: .gauge)])
        #expect(decoded.timestamps == [1_767_225_600_000_000_000])
        #expect(decoded.values == [0.5])
    }
}
