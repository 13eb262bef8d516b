import Aggregation
import Codec
import LZ4
import Wire

/// Writes immutable shard files, atomically: a temporary file beside the target is written,
/// fsynced and renamed into place, then the directory is fsynced. A reader therefore sees
/// either no file or a complete one.
public struct ShardWriter: Sendable {
    /// The most rows in one block; a one-series query reads only that series' blocks.
    public var rowsPerBlockMax: Int

    public init(rowsPerBlockMax: Int = 1024) {
        precondition(rowsPerBlockMax > 0)
        self.rowsPerBlockMax = rowsPerBlockMax
    }

    /// The suffix of files being written; `ShardDirectory` never reads them and removes leftovers.
    public static let temporarySuffix = ".tmp"

    /// Writes `rows` (indices into `series`) as a shard at `path`. Rows for the same series and
    /// window are merged; rows are stored sorted by series key, then window start. Returns the
    /// number of bytes written.
    @discardableResult
    public func write(metadata: ShardMetadata, series: [SeriesEntry], rows: [WindowRow], to path: String) throws(StorageError) -> Int {
        let temporary = path + Self.temporarySuffix
        let size = try writeTemporary(metadata: metadata, series: series, rows: rows, at: temporary)
        try FileSystem.rename(temporary, to: path)
        try FileSystem.syncDirectory(FileSystem.directory(of: path))
        return size
    }

    /// Writes and fsyncs the whole file at `temporary` without renaming it into place.
    func writeTemporary(metadata: ShardMetadata, series: [SeriesEntry], rows: [WindowRow], at temporary: String) throws(StorageError) -> Int {
        let (sortedSeries, sortedRows) = Self.normalize(series: series, rows: rows)
        let file = try File(creatingAt: temporary)
        var position = 0
        func emit(_ bytes: [UInt8]) throws(StorageError) {
            try file.write(bytes, at: position)
            position += bytes.count
        }
        try emit(ShardLayout.header())

        var blocks = [ShardBlockInfo]()
        var ranges = [ShardSeriesRange]()
        var rowIndex = 0
        while rowIndex < sortedRows.count {
            let end = min(rowIndex + rowsPerBlockMax, sortedRows.count)
            let blockRows = Array(sortedRows[rowIndex..<end])
            var writer = ByteWriter(capacity: blockRows.count * 100)
            WindowColumns.encode(blockRows, windowNanoseconds: metadata.windowNanoseconds, withQuantiles: metadata.sketchMapping != nil, into: &writer)
            let stored = Self.compress(writer.bytes)
            let blockNumber = UInt32(blocks.count)
            blocks.append(ShardBlockInfo(
                offset: UInt64(position), storedLength: UInt32(stored.count), rawLength: UInt32(writer.count),
                rowCount: UInt32(blockRows.count), checksum: CRC32C.checksum(stored),
                windowStartMin: blockRows.map(\.windowStart).min()!, windowStartMax: blockRows.map(\.windowStart).max()!))
            for row in blockRows {
                let seriesIndex = Int(row.seriesIndex)
                while ranges.count <= seriesIndex {
                    ranges.append(ShardSeriesRange(firstBlock: blockNumber, blockCount: 0, rowCount: 0, windowStartMin: .max, windowStartMax: .min))
                }
                if ranges[seriesIndex].rowCount == 0 { ranges[seriesIndex].firstBlock = blockNumber }
                ranges[seriesIndex].blockCount = blockNumber - ranges[seriesIndex].firstBlock + 1
                ranges[seriesIndex].rowCount += 1
                ranges[seriesIndex].windowStartMin = min(ranges[seriesIndex].windowStartMin, row.windowStart)
                ranges[seriesIndex].windowStartMax = max(ranges[seriesIndex].windowStartMax, row.windowStart)
            }
            try emit(stored)
            rowIndex = end
        }

        let index = ShardIndex(metadata: metadata, blocks: blocks, series: sortedSeries, ranges: ranges).encode()
        let storedIndex = Self.compress(index)
        let footer = ShardFooter(
            indexOffset: UInt64(position), indexStoredLength: UInt32(storedIndex.count), indexRawLength: UInt32(index.count),
            indexChecksum: CRC32C.checksum(storedIndex), blockCount: UInt32(blocks.count),
            seriesCount: UInt32(sortedSeries.count), rowCount: UInt64(sortedRows.count))
        try emit(storedIndex)
        try emit(footer.encode())
        try file.sync()
        return position
    }

    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        do {
            return try LZ4.compress(bytes)
        } catch {
            preconditionFailure("a shard section of \(bytes.count) bytes exceeds LZ4's block limit: \(error)")
        }
    }

    /// Sorts series by key (dropping unused ones), then rows by (series, window), merging rows
    /// that share both.
    static func normalize(series: [SeriesEntry], rows: [WindowRow]) -> ([SeriesEntry], [WindowRow]) {
        var used = [Bool](repeating: false, count: series.count)
        for row in rows { used[Int(row.seriesIndex)] = true }
        let order = series.indices.filter { used[$0] }.sorted { series[$0].key < series[$1].key }
        var newIndex = [UInt32](repeating: 0, count: series.count)
        for (position, old) in order.enumerated() { newIndex[old] = UInt32(position) }
        // Sort positions, not rows: a row is large, its sort key is twelve bytes.
        let seriesOfRow = rows.map { newIndex[Int($0.seriesIndex)] }
        let startOfRow = rows.map(\.windowStart)
        var positions = [Int32](rows.indices.lazy.map { Int32($0) })
        positions.sort { left, right in
            (seriesOfRow[Int(left)], startOfRow[Int(left)]) < (seriesOfRow[Int(right)], startOfRow[Int(right)])
        }
        var merged = [WindowRow]()
        merged.reserveCapacity(rows.count)
        for position in positions {
            let row = rows[Int(position)]
            let seriesIndex = newIndex[Int(row.seriesIndex)]
            if let last = merged.last, last.seriesIndex == seriesIndex, last.windowStart == row.windowStart {
                merged[merged.count - 1].state.merge(row.state)
            } else {
                merged.append(WindowRow(seriesIndex: seriesIndex, windowStart: row.windowStart, state: row.state))
            }
        }
        return (order.map { series[$0] }, merged)
    }
}
