import Aggregation
import Codec
import Wire

/// Writes one shard file from rows handed over in order (series, then window start), a block
/// at a time: memory holds one block, whatever the file's size. `finish()` writes the index and
/// footer and fsyncs; the file is a temporary one until the caller renames it into place.
final class ShardBuilder {
    let metadata: ShardMetadata
    let series: [SeriesEntry]
    let rowsPerBlockMax: Int
    private let file: File
    private var position = 0
    private var pending: [WindowRow] = []
    private var blocks: [ShardBlockInfo] = []
    private var ranges: [ShardSeriesRange]
    private var last: (series: UInt32, start: Int64)?
    private(set) var rowCount: UInt64 = 0
    /// Bytes written so far.
    var bytesWritten: Int { position }

    /// Starts the file at `path`; `series` must be sorted by key.
    init(metadata: ShardMetadata, series: [SeriesEntry], rowsPerBlockMax: Int, at path: String) throws(StorageError) {
        self.metadata = metadata
        self.series = series
        self.rowsPerBlockMax = rowsPerBlockMax
        ranges = [ShardSeriesRange](repeating: ShardSeriesRange(firstBlock: 0, blockCount: 0, rowCount: 0, windowStartMin: .max, windowStartMax: .min),
                                    count: series.count)
        file = try File(creatingAt: path)
        pending.reserveCapacity(rowsPerBlockMax)
        try emit(ShardLayout.header())
    }

    /// Adds a row after every row added so far (a later series, or a later window of the same one).
    func append(_ row: WindowRow) throws(StorageError) {
        precondition(last.map { ($0.series, $0.start) < (row.seriesIndex, row.windowStart) } ?? true, "shard rows out of order")
        precondition(Int(row.seriesIndex) < series.count)
        last = (row.seriesIndex, row.windowStart)
        pending.append(row)
        if pending.count == rowsPerBlockMax { try flush() }
    }

    /// Writes the last block, the index and the footer, and fsyncs. Returns the file's size.
    func finish() throws(StorageError) -> Int {
        try flush()
        let index = ShardIndex(metadata: metadata, blocks: blocks, series: series, ranges: ranges).encode()
        let storedIndex = ShardWriter.compress(index)
        let footer = ShardFooter(
            indexOffset: UInt64(position), indexStoredLength: UInt32(storedIndex.count), indexRawLength: UInt32(index.count),
            indexChecksum: CRC32C.checksum(storedIndex), blockCount: UInt32(blocks.count),
            seriesCount: UInt32(series.count), rowCount: rowCount)
        try emit(storedIndex)
        try emit(footer.encode())
        try file.sync()
        return position
    }

    private func emit(_ bytes: [UInt8]) throws(StorageError) {
        try file.write(bytes, at: position)
        position += bytes.count
    }

    private func flush() throws(StorageError) {
        guard !pending.isEmpty else { return }
        var writer = ByteWriter(capacity: pending.count * 100)
        WindowColumns.encode(pending, windowNanoseconds: metadata.windowNanoseconds, withQuantiles: metadata.sketchMapping != nil, into: &writer)
        let stored = ShardWriter.compress(writer.bytes)
        let blockNumber = UInt32(blocks.count)
        var low = Int64.max
        var high = Int64.min
        for row in pending {
            low = min(low, row.windowStart)
            high = max(high, row.windowStart)
            let index = Int(row.seriesIndex)
            if ranges[index].rowCount == 0 { ranges[index].firstBlock = blockNumber }
            ranges[index].blockCount = blockNumber - ranges[index].firstBlock + 1
            ranges[index].rowCount += 1
            ranges[index].windowStartMin = min(ranges[index].windowStartMin, row.windowStart)
            ranges[index].windowStartMax = max(ranges[index].windowStartMax, row.windowStart)
        }
        blocks.append(ShardBlockInfo(
            offset: UInt64(position), storedLength: UInt32(stored.count), rawLength: UInt32(writer.count),
            rowCount: UInt32(pending.count), checksum: CRC32C.checksum(stored), windowStartMin: low, windowStartMax: high))
        rowCount += UInt64(pending.count)
        try emit(stored)
        pending.removeAll(keepingCapacity: true)
    }
}
