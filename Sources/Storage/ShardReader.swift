import Aggregation
import Codec
import LZ4
import Model
import Wire

/// Reads a shard file: the footer and index when opened, then only the blocks a query needs.
/// Every section is checked (lengths, CRC-32C, layout) before it is used.
///
/// `Sendable`: all state is immutable after `init`; block reads use `pread` (see `File`) on the
/// descriptor `files` holds for it, opened again if it was closed in the meantime.
public final class ShardReader: Sendable {
    public let path: String
    public let metadata: ShardMetadata
    /// Series in the file, sorted by key.
    public let series: [SeriesEntry]
    /// Per series (same order): where its rows are.
    public let ranges: [ShardSeriesRange]
    public let blocks: [ShardBlockInfo]
    /// Total number of rows.
    public let rowCount: UInt64
    /// The file's size in bytes.
    public let fileSize: Int
    /// Earliest and latest window start of any row in the file (blocks are ordered by series,
    /// not time, so these are over all blocks).
    public let windowStartMin: Int64
    public let windowStartMax: Int64
    private let files: OpenFiles

    /// Opens `path` through `files` (by default a descriptor of its own, kept open), checking
    /// the header, the footer and the index.
    public init(path: String, files: OpenFiles = OpenFiles(limit: 1)) throws(StorageError) {
        let file = try files.file(path)
        // A file that does not check out does not keep a descriptor.
        var checked = false
        defer { if !checked { files.close(path) } }
        let size = try file.size()
        let minimum = ShardLayout.headerSize + ShardLayout.footerSize
        guard size >= minimum else {
            throw .corrupt(.truncated("file", got: size, want: minimum, in: "shard"), path: path)
        }
        do {
            try ShardLayout.checkHeader(try file.read(count: ShardLayout.headerSize, at: 0))
            let footer = try ShardFooter.decode(try file.read(count: ShardLayout.footerSize, at: size - ShardLayout.footerSize))
            let indexEnd = UInt64(size - ShardLayout.footerSize)
            guard footer.indexOffset >= UInt64(ShardLayout.headerSize), footer.indexOffset + UInt64(footer.indexStoredLength) == indexEnd else {
                throw DecodeError.invalid("index offset", "index at \(footer.indexOffset)+\(footer.indexStoredLength) does not end at the footer (\(indexEnd))", in: "shard footer")
            }
            let stored = try file.read(count: Int(footer.indexStoredLength), at: Int(footer.indexOffset))
            let raw = try Self.unpack(stored, rawLength: Int(footer.indexRawLength), checksum: footer.indexChecksum, subject: "shard index")
            let index = try ShardIndex.decode(raw, footer: footer)
            for (number, block) in index.blocks.enumerated() {
                guard block.offset >= UInt64(ShardLayout.headerSize), block.offset + UInt64(block.storedLength) <= footer.indexOffset else {
                    throw DecodeError.invalid("block table", "block \(number) at \(block.offset)+\(block.storedLength) lies outside the data section", in: "shard index")
                }
            }
            metadata = index.metadata
            series = index.series
            ranges = index.ranges
            blocks = index.blocks
            rowCount = footer.rowCount
            windowStartMin = index.blocks.map(\.windowStartMin).min() ?? .max
            windowStartMax = index.blocks.map(\.windowStartMax).max() ?? .min
        } catch let error as DecodeError {
            throw .corrupt(error, path: path)
        } catch let error as StorageError {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
        self.path = path
        self.fileSize = size
        self.files = files
        checked = true
    }

    /// Checks a stored section's checksum and decompresses it.
    static func unpack(_ stored: [UInt8], rawLength: Int, checksum: UInt32, subject: String) throws(DecodeError) -> [UInt8] {
        let computed = CRC32C.checksum(stored)
        guard computed == checksum else { throw .checksumMismatch(got: computed, want: checksum, in: subject) }
        do {
            return try LZ4.decompress(stored, originalSize: rawLength, limit: ShardLayout.sectionBytesMax)
        } catch {
            throw .invalid("compressed data", "\(error)", in: subject)
        }
    }

    /// Reads, checks and decodes block `number` (without its sketches when `sketches` is off).
    /// Rows that cannot belong to any state are left out and named in `quarantine`; `verify()`
    /// refuses them instead.
    public func readBlock(_ number: Int, sketches: Bool = true, quarantine: inout [QuarantinedRow]) throws(StorageError) -> [WindowRow] {
        let block = blocks[number]
        let subject = "shard block \(number)"
        let stored = try files.file(path).read(count: Int(block.storedLength), at: Int(block.offset))
        do {
            let raw = try Self.unpack(stored, rawLength: Int(block.rawLength), checksum: block.checksum, subject: subject)
            var reader = ByteReader(raw, subject: subject)
            let rows = try WindowColumns.decode(count: Int(block.rowCount), seriesCount: series.count,
                                                windowNanoseconds: metadata.windowNanoseconds, sketchMapping: metadata.sketchMapping,
                                                skipQuantiles: !sketches, from: &reader, quarantine: &quarantine)
            if sketches || metadata.sketchMapping == nil { try reader.expectEnd() }
            return rows
        } catch {
            throw .corrupt(error, path: path)
        }
    }

    /// Block `number` with every row, or an error naming the first row no state can have.
    func strictBlock(_ number: Int) throws(StorageError) -> [WindowRow] {
        var quarantine = [QuarantinedRow]()
        let rows = try readBlock(number, quarantine: &quarantine)
        if let bad = quarantine.first {
            throw .corrupt(.invalid("window row \(bad.index)", bad.reason, in: "shard block \(number)"), path: path)
        }
        return rows
    }

    /// The position of `key` in `series`, found by binary search.
    public func seriesIndex(of key: SeriesKey) -> Int? {
        var low = 0
        var high = series.count
        while low < high {
            let middle = (low + high) / 2
            if series[middle].key < key { low = middle + 1 } else { high = middle }
        }
        return low < series.count && series[low].key == key ? low : nil
    }

    /// The rows of series `index` whose windows start in `[from, to)` (ns), in time order,
    /// reading only the blocks that can hold them.
    public func rows(seriesIndex index: Int, from: Int64, to: Int64) throws(StorageError) -> [WindowRow] {
        let range = ranges[index]
        guard range.rowCount > 0, range.windowStartMax >= from, range.windowStartMin < to else { return [] }
        var result = [WindowRow]()
        for number in Int(range.firstBlock)..<Int(range.firstBlock + range.blockCount) {
            let block = blocks[number]
            guard block.windowStartMax >= from, block.windowStartMin < to else { continue }
            for row in try strictBlock(number) where Int(row.seriesIndex) == index && row.windowStart >= from && row.windowStart < to {
                result.append(row)
            }
        }
        return result
    }

    /// The rows of series `key` whose windows start in `[from, to)`; empty when absent.
    public func rows(for key: SeriesKey, from: Int64 = .min, to: Int64 = .max) throws(StorageError) -> [WindowRow] {
        guard let index = seriesIndex(of: key) else { return [] }
        return try rows(seriesIndex: index, from: from, to: to)
    }

    /// Reads every block and checks that rows agree with the index: checksums, counts, order
    /// and the series directory. Returns the rows of the whole file.
    @discardableResult
    public func verify() throws(StorageError) -> [WindowRow] {
        var all = [WindowRow]()
        all.reserveCapacity(Int(rowCount))
        for number in blocks.indices {
            let rows = try strictBlock(number)
            for row in rows {
                if let previous = all.last, (previous.seriesIndex, previous.windowStart) >= (row.seriesIndex, row.windowStart) {
                    throw .corrupt(.invalid("row order", "rows are not sorted by series and window at block \(number)", in: "shard"), path: path)
                }
                let range = ranges[Int(row.seriesIndex)]
                guard (Int(range.firstBlock)..<Int(range.firstBlock + range.blockCount)).contains(number),
                      (range.windowStartMin...range.windowStartMax).contains(row.windowStart) else {
                    throw .corrupt(.invalid("series directory", "a row of series \(row.seriesIndex) lies outside its directory entry", in: "shard"), path: path)
                }
                all.append(row)
            }
        }
        return all
    }
}
