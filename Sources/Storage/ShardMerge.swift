import Aggregation
import Model
import Wire

/// Merges shard files of one partition into one file whose rows have windows of `resolution`
/// (the inputs' own, or a multiple of it: an hour or a day rolled up from minutes). Rows of the
/// same series and window are merged into one (a late sample's correction into the row it
/// corrects); every stat, sketches included, merges exactly as a query would merge them. Reads
/// one block per input at a time, so memory does not grow with the files.
public enum ShardMerge {
    /// What one merge wrote.
    public struct Written: Sendable, Equatable {
        public var bytes: Int
        public var rows: UInt64
        public var readBytes: Int
    }

    /// Writes the merge of `inputs` at `path` (a temporary beside it first, renamed into place
    /// once fsynced). `pace` is called with the bytes written so far after every block, so that
    /// a caller can throttle the merge.
    public static func merge(_ inputs: [ShardReader], resolution: Int64, partition: UInt32, sketchMapping: SketchMapping?,
                             rowsPerBlockMax: Int = 1024, to path: String, pace: (Int) -> Void = { _ in }) throws(StorageError) -> Written {
        for input in inputs where input.metadata.windowNanoseconds <= 0 || resolution % input.metadata.windowNanoseconds != 0 {
            throw .corrupt(.invalid("window length", "\(input.metadata.windowNanoseconds) ns does not divide the merge's \(resolution) ns",
                                    in: "shard metadata"), path: input.path)
        }
        let (series, numbering) = union(inputs.map(\.series))
        var cursors = [Cursor]()
        for (input, numbers) in zip(inputs, numbering) {
            var cursor = Cursor(reader: input, numbers: numbers, resolution: resolution)
            try cursor.advance()
            cursors.append(cursor)
        }
        let temporary = path + ShardWriter.temporarySuffix
        let metadata = ShardMetadata(partition: partition, windowNanoseconds: resolution, sketchMapping: sketchMapping)
        let builder = try ShardBuilder(metadata: metadata, series: series, rowsPerBlockMax: rowsPerBlockMax, at: temporary)
        var blocksWritten = 0
        while true {
            var next: (UInt32, Int64)?
            for cursor in cursors {
                if let key = cursor.key, next.map({ key < $0 }) ?? true { next = key }
            }
            guard let (seriesIndex, start) = next else { break }
            var state = WindowState(sketchMapping: sketchMapping)
            for index in cursors.indices {
                while let key = cursors[index].key, key == (seriesIndex, start) {
                    state.merge(cursors[index].take())
                    try cursors[index].advance()
                }
            }
            try builder.append(WindowRow(seriesIndex: seriesIndex, windowStart: start, state: state))
            if builder.bytesWritten >> 16 != blocksWritten {
                blocksWritten = builder.bytesWritten >> 16
                pace(builder.bytesWritten)
            }
        }
        let bytes = try builder.finish()
        try FileSystem.rename(temporary, to: path)
        try FileSystem.syncDirectory(FileSystem.directory(of: path))
        return Written(bytes: bytes, rows: builder.rowCount, readBytes: inputs.reduce(0) { $0 + $1.fileSize })
    }

    /// The sorted union of sorted series tables, and per table its entries' positions in it.
    static func union(_ tables: [[SeriesEntry]]) -> ([SeriesEntry], [[UInt32]]) {
        var all = [SeriesEntry]()
        var seen = Set<SeriesKey>()
        for table in tables {
            for entry in table where seen.insert(entry.key).inserted { all.append(entry) }
        }
        all.sort { $0.key < $1.key }
        var position = [SeriesKey: UInt32](minimumCapacity: all.count)
        for (index, entry) in all.enumerated() { position[entry.key] = UInt32(index) }
        return (all, tables.map { $0.map { position[$0.key]! } })
    }

    /// Walks one input's rows in file order (series, then window), with series renumbered into
    /// the union and windows floored to the merge's resolution (which keeps the order).
    struct Cursor {
        let reader: ShardReader
        let numbers: [UInt32]
        let resolution: Int64
        private var block = 0
        private var rows: [WindowRow] = []
        private var position = 0
        private(set) var key: (UInt32, Int64)?

        init(reader: ShardReader, numbers: [UInt32], resolution: Int64) {
            self.reader = reader
            self.numbers = numbers
            self.resolution = resolution
        }

        /// The current row's state, moved out.
        mutating func take() -> WindowState {
            var state = WindowState(sketchMapping: nil)
            swap(&state, &rows[position].state)
            return state
        }

        /// Moves to the next row (the first one on the first call).
        mutating func advance() throws(StorageError) {
            if key != nil { position += 1 }
            while position >= rows.count {
                guard block < reader.blocks.count else {
                    key = nil
                    rows = []
                    return
                }
                rows = try reader.strictBlock(block)
                block += 1
                position = 0
            }
            let row = rows[position]
            key = (numbers[Int(row.seriesIndex)], row.windowStart.floorDivided(by: resolution) &* resolution)
        }
    }
}
