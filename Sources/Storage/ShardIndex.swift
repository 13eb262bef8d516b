import Aggregation
import Codec
import Wire

/// The index section: everything needed to find one series' rows without reading the others.
///
/// ```
/// partition u32, window length i64, sketch accuracy f64 (0: no sketches)
/// block count varint, then per block: offset u64, stored length u32, raw length u32,
///     row count u32, crc32c u32, window start min i64, window start max i64
/// series table (as in batches), sorted by series key
/// per series, in table order: first block u32, block count u32, row count u64,
///     window start min i64, window start max i64
/// ```
struct ShardIndex {
    var metadata: ShardMetadata
    var blocks: [ShardBlockInfo]
    var series: [SeriesEntry]
    var ranges: [ShardSeriesRange]

    func encode() -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + blocks.count * 40 + series.count * 64)
        writer.append(metadata.partition)
        writer.append(metadata.windowNanoseconds)
        writer.append(metadata.sketchMapping?.relativeAccuracy ?? 0)
        writer.appendVarint(UInt64(blocks.count))
        for block in blocks {
            writer.append(block.offset)
            writer.append(block.storedLength)
            writer.append(block.rawLength)
            writer.append(block.rowCount)
            writer.append(block.checksum)
            writer.append(block.windowStartMin)
            writer.append(block.windowStartMax)
        }
        SeriesTable.encode(series, into: &writer)
        for range in ranges {
            writer.append(range.firstBlock)
            writer.append(range.blockCount)
            writer.append(range.rowCount)
            writer.append(range.windowStartMin)
            writer.append(range.windowStartMax)
        }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], footer: ShardFooter) throws(DecodeError) -> ShardIndex {
        var reader = ByteReader(bytes, subject: "shard index")
        let partition = try reader.read(UInt32.self, "partition")
        let window = try reader.read(Int64.self, "window length")
        guard window > 0 else { throw .invalid("window length", "\(window) ns is not positive", in: reader.subject) }
        let accuracy = try reader.readDouble("sketch accuracy")
        let mapping = SketchMapping(relativeAccuracy: accuracy)
        guard accuracy == 0 || mapping != nil else { throw .invalid("sketch accuracy", "\(accuracy) is outside (0, 1)", in: reader.subject) }
        let blockCount = try reader.readCount("block count", limit: Int(footer.blockCount))
        guard blockCount == footer.blockCount else {
            throw .invalid("block count", "index has \(blockCount); footer says \(footer.blockCount)", in: reader.subject)
        }
        try reader.require(blockCount * 36, for: "block table")
        var blocks = [ShardBlockInfo]()
        blocks.reserveCapacity(blockCount)
        for _ in 0..<blockCount {
            blocks.append(ShardBlockInfo(
                offset: try reader.read(UInt64.self, "block offset"),
                storedLength: try reader.read(UInt32.self, "block stored length"),
                rawLength: try reader.read(UInt32.self, "block raw length"),
                rowCount: try reader.read(UInt32.self, "block row count"),
                checksum: try reader.read(UInt32.self, "block checksum"),
                windowStartMin: try reader.read(Int64.self, "block window min"),
                windowStartMax: try reader.read(Int64.self, "block window max")))
        }
        var limits = WireLimits()
        limits.seriesMax = Int(footer.seriesCount)
        let series = try SeriesTable.decode(from: &reader, limits: limits)
        guard series.count == footer.seriesCount else {
            throw .invalid("series count", "index has \(series.count); footer says \(footer.seriesCount)", in: reader.subject)
        }
        try reader.require(series.count * 32, for: "series directory")
        var ranges = [ShardSeriesRange]()
        ranges.reserveCapacity(series.count)
        for _ in series {
            let range = ShardSeriesRange(
                firstBlock: try reader.read(UInt32.self, "series first block"),
                blockCount: try reader.read(UInt32.self, "series block count"),
                rowCount: try reader.read(UInt64.self, "series row count"),
                windowStartMin: try reader.read(Int64.self, "series window min"),
                windowStartMax: try reader.read(Int64.self, "series window max"))
            guard UInt64(range.firstBlock) + UInt64(range.blockCount) <= UInt64(blockCount) else {
                throw .invalid("series directory", "blocks \(range.firstBlock)+\(range.blockCount) exceed \(blockCount)", in: reader.subject)
            }
            ranges.append(range)
        }
        try reader.expectEnd()
        let rowTotal = blocks.reduce(UInt64(0)) { $0 + UInt64($1.rowCount) }
        guard rowTotal == footer.rowCount else {
            throw .invalid("row count", "blocks hold \(rowTotal); footer says \(footer.rowCount)", in: reader.subject)
        }
        return ShardIndex(metadata: ShardMetadata(partition: partition, windowNanoseconds: window, sketchMapping: mapping),
                          blocks: blocks, series: series, ranges: ranges)
    }
}
