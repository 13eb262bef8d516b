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
        let builder = try ShardBuilder(metadata: metadata, series: sortedSeries, rowsPerBlockMax: rowsPerBlockMax, at: temporary)
        for row in sortedRows { try builder.append(row) }
        return try builder.finish()
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
