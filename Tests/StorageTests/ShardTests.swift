import Aggregation
import Model
import TestSupport
import Testing
import Wire
@testable import Storage

@Suite struct ShardTests {
    static let minute: Int64 = 60_000_000_000

    /// Random rows over `seriesCount` series, with some repeated (series, window) pairs.
    static func makeRows(_ count: Int, seriesCount: Int, sketches: Bool, using random: inout SeededGenerator) -> ([SeriesEntry], [WindowRow]) {
        let series = (0..<seriesCount).map { index in
            SeriesEntry(key: SeriesKey(name: "m\(index % 7)", tags: [Tag("host", "h\(index)")]), type: .gauge)
        }
        let rows = (0..<count).map { _ in
            let start = Int64.random(in: 0..<2000, using: &random) * minute
            var state = WindowState(sketchMapping: sketches ? .standard : nil)
            for _ in 0..<Int.random(in: 1...5, using: &random) {
                state.add(Double.random(in: -100...100, using: &random), at: start + Int64.random(in: 0..<minute, using: &random))
            }
            return WindowRow(seriesIndex: UInt32.random(in: 0..<UInt32(seriesCount), using: &random), windowStart: start, state: state)
        }
        return (series, rows)
    }

    /// What a reader must return: rows merged per (series, window), keyed by series key.
    static func expected(_ series: [SeriesEntry], _ rows: [WindowRow]) -> [SeriesKey: [Int64: WindowState]] {
        var result = [SeriesKey: [Int64: WindowState]]()
        for row in rows {
            result[series[Int(row.seriesIndex)].key, default: [:]][row.windowStart, default: WindowState(sketchMapping: row.state.sketchMapping)].merge(row.state)
        }
        return result
    }

    @Test(arguments: [true, false])
    func roundTripsAndFindsOneSeriesByItsBlocks(sketches: Bool) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededGenerator(seed: sketches ? 10 : 11)
        let (series, rows) = Self.makeRows(5000, seriesCount: 40, sketches: sketches, using: &random)
        let path = directory.path + "/p7.shard"
        let metadata = ShardMetadata(partition: 7, windowNanoseconds: Self.minute, sketchMapping: sketches ? .standard : nil)
        try ShardWriter(rowsPerBlockMax: 64).write(metadata: metadata, series: series, rows: rows, to: path)

        let reader = try ShardReader(path: path)
        #expect(reader.metadata == metadata)
        let all = try reader.verify()
        let expected = Self.expected(series, rows)
        #expect(all.count == expected.values.reduce(0) { $0 + $1.count })
        #expect(reader.series.map(\.key) == reader.series.map(\.key).sorted())
        for (key, windows) in expected {
            let index = try #require(reader.seriesIndex(of: key))
            let found = try reader.rows(for: key)
            #expect(found.map(\.windowStart) == windows.keys.sorted())
            for row in found {
                let want = windows[row.windowStart]!
                #expect(row.state.count == want.count && row.state.sum == want.sum && row.state.first == want.first && row.state.last == want.last)
                #expect(row.state.value(of: .quantile(0.5), windowLength: .minute) == want.value(of: .quantile(0.5), windowLength: .minute))
            }
            let from = 500 * Self.minute
            let to = 900 * Self.minute
            let ranged = try reader.rows(seriesIndex: index, from: from, to: to)
            #expect(ranged.map(\.windowStart) == windows.keys.filter { $0 >= from && $0 < to }.sorted())
        }
        #expect(try reader.rows(for: SeriesKey(name: "absent")).isEmpty)
    }

    @Test func oneSeriesQueryReadsOnlyItsBlocks() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededGenerator(seed: 12)
        let (series, rows) = Self.makeRows(20_000, seriesCount: 100, sketches: false, using: &random)
        let path = directory.path + "/big.shard"
        try ShardWriter(rowsPerBlockMax: 128).write(metadata: ShardMetadata(partition: 0, windowNanoseconds: Self.minute, sketchMapping: nil), series: series, rows: rows, to: path)
        let reader = try ShardReader(path: path)
        let range = reader.ranges[reader.seriesIndex(of: series[3].key)!]
        #expect(reader.blocks.count > 50)
        #expect(range.blockCount <= 3)
    }

    @Test func everyByteFlipAndTruncationIsDetected() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededGenerator(seed: 13)
        let (series, rows) = Self.makeRows(12, seriesCount: 3, sketches: true, using: &random)
        let path = directory.path + "/small.shard"
        try ShardWriter(rowsPerBlockMax: 4).write(metadata: ShardMetadata(partition: 1, windowNanoseconds: Self.minute, sketchMapping: .standard), series: series, rows: rows, to: path)
        let original = try File(readingAt: path)
        let bytes = try original.read(count: original.size(), at: 0)
        let damagedPath = directory.path + "/damaged.shard"
        func open(_ content: [UInt8]) throws {
            try File(creatingAt: damagedPath).write(content, at: 0)
            try ShardReader(path: damagedPath).verify()
        }
        for position in bytes.indices {
            var damaged = bytes
            damaged[position] ^= 0x04
            #expect(throws: StorageError.self, "flip at \(position)") { try open(damaged) }
        }
        for length in 0..<bytes.count {
            #expect(throws: StorageError.self, "truncated to \(length)") { try open(Array(bytes[..<length])) }
        }
        do {
            try open(Array(bytes[..<(bytes.count - 1)]))
        } catch {
            #expect((error as? StorageError)?.isCorrupt == true)
            #expect("\(error)".contains("damaged.shard"))
        }
    }

    @Test func aShardThatWasNotRenamedIntoPlaceIsNeverRead() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededGenerator(seed: 14)
        let (series, rows) = Self.makeRows(100, seriesCount: 4, sketches: false, using: &random)
        let metadata = ShardMetadata(partition: 2, windowNanoseconds: Self.minute, sketchMapping: nil)
        let writer = ShardWriter()
        try writer.write(metadata: metadata, series: series, rows: rows, to: directory.path + "/a.shard")
        // A writer that stopped after writing its temporary file but before the rename.
        let crashed = directory.path + "/b.shard"
        _ = try writer.writeTemporary(metadata: metadata, series: series, rows: rows, at: crashed + ShardWriter.temporarySuffix)
        #expect(throws: StorageError.self) { try ShardReader(path: crashed) }
        #expect(try ShardDirectory.shardPaths(in: directory.path) == [directory.path + "/a.shard"])
        // The leftover was removed, so a second listing sees the same and nothing else.
        #expect(try FileSystem.list(directory.path) == ["a.shard"])
    }

    @Test func footerSizeIsPinned() throws {
        // If this breaks, the shard format changed: bump ShardLayout.version and docs/shard-format.md.
        let footer = ShardFooter(indexOffset: 1, indexStoredLength: 2, indexRawLength: 3, indexChecksum: 4, blockCount: 5, seriesCount: 6, rowCount: 7)
        #expect(footer.encode().count == ShardLayout.footerSize)
        #expect(ShardLayout.footerSize == 52)
        #expect(ShardLayout.header().count == ShardLayout.headerSize)
        #expect(ShardLayout.headerSize == 16)
        #expect(try ShardFooter.decode(footer.encode()) == footer)
    }

    @Test func missingFilesNameThePathAndTheReason() {
        do {
            _ = try ShardReader(path: "/nonexistent/x.shard")
            Issue.record("opened a missing file")
        } catch {
            #expect("\(error)" == "open /nonexistent/x.shard failed: No such file or directory (errno 2)")
        }
    }
}

@Suite struct ShardTimeRangeTests {
    @Test func theFileRangeCoversEveryBlockNotJustTheFirst() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        // Series "a" sorts first but has the latest window; "b" has the earliest.
        let series = [SeriesEntry(key: SeriesKey(name: "a")), SeriesEntry(key: SeriesKey(name: "b"))]
        var late = WindowState()
        late.add(1, at: 600_000_000_000)
        var early = WindowState()
        early.add(2, at: 0)
        let rows = [WindowRow(seriesIndex: 0, windowStart: 600_000_000_000, state: late), WindowRow(seriesIndex: 1, windowStart: 0, state: early)]
        let path = directory.path + "/r.shard"
        try ShardWriter(rowsPerBlockMax: 1).write(metadata: ShardMetadata(partition: 0, windowNanoseconds: 60_000_000_000, sketchMapping: nil),
                                                  series: series, rows: rows, to: path)
        let reader = try ShardReader(path: path)
        #expect(reader.windowStartMin == 0)
        #expect(reader.windowStartMax == 600_000_000_000)
        #expect(try reader.rows(for: SeriesKey(name: "b"), from: 0, to: 60_000_000_000).count == 1)
    }
}
