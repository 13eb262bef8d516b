import Aggregation
import Codec

/// The fixed parts of a shard file (docs/shard-format.md).
///
/// ```
/// header   16 bytes   magic "WNDSHARD", version u16, flags u16 (0), crc32c u32 of bytes 0..<12
/// blocks              LZ4 blocks of window columns, back to back
/// index               one LZ4 block: shard metadata, block table, series table, series directory
/// footer   52 bytes   index offset u64, index stored length u32, index raw length u32,
///                     index crc32c u32, block count u32, series count u32, row count u64,
///                     version u16, reserved u16 (0), crc32c u32 of footer bytes 0..<40,
///                     magic "WNDSHEND"
/// ```
enum ShardLayout {
    static let headerSize = 16
    static let footerSize = 52
    static let version: UInt16 = 2
    static let headerMagic = Array("WNDSHARD".utf8)
    static let footerMagic = Array("WNDSHEND".utf8)
    /// Bound on a block's or the index's decompressed size, checked before allocating.
    static let sectionBytesMax = 256 << 20

    static func header() -> [UInt8] {
        var writer = ByteWriter(capacity: headerSize)
        writer.append(bytes: headerMagic)
        writer.append(version)
        writer.append(UInt16(0))
        writer.append(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    static func checkHeader(_ bytes: [UInt8]) throws(DecodeError) {
        var reader = ByteReader(bytes, subject: "shard header")
        let magic = try reader.readBytes(8, "magic")
        guard magic.elementsEqual(headerMagic) else { throw .invalid("magic", "not a Windrow shard file", in: reader.subject) }
        let version = try reader.read(UInt16.self, "version")
        guard version == Self.version else {
            throw .invalid("version", "got \(version); this build reads version \(Self.version)", in: reader.subject)
        }
        _ = try reader.read(UInt16.self, "flags")
        let stored = try reader.read(UInt32.self, "checksum")
        let computed = CRC32C.checksum(bytes, range: 0..<12)
        guard stored == computed else { throw .checksumMismatch(got: computed, want: stored, in: reader.subject) }
    }
}

/// The footer: where the index is, and totals to cross-check it against.
struct ShardFooter: Equatable {
    var indexOffset: UInt64
    var indexStoredLength: UInt32
    var indexRawLength: UInt32
    var indexChecksum: UInt32
    var blockCount: UInt32
    var seriesCount: UInt32
    var rowCount: UInt64

    func encode() -> [UInt8] {
        var writer = ByteWriter(capacity: ShardLayout.footerSize)
        writer.append(indexOffset)
        writer.append(indexStoredLength)
        writer.append(indexRawLength)
        writer.append(indexChecksum)
        writer.append(blockCount)
        writer.append(seriesCount)
        writer.append(rowCount)
        writer.append(ShardLayout.version)
        writer.append(UInt16(0))
        writer.append(CRC32C.checksum(writer.bytes))
        writer.append(bytes: ShardLayout.footerMagic)
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(DecodeError) -> ShardFooter {
        var reader = ByteReader(bytes, subject: "shard footer")
        try reader.require(ShardLayout.footerSize, for: "footer")
        guard bytes.suffix(8).elementsEqual(ShardLayout.footerMagic) else {
            throw .invalid("magic", "footer magic missing: the file is truncated or not a shard", in: reader.subject)
        }
        let footer = ShardFooter(
            indexOffset: try reader.read(UInt64.self, "index offset"),
            indexStoredLength: try reader.read(UInt32.self, "index stored length"),
            indexRawLength: try reader.read(UInt32.self, "index raw length"),
            indexChecksum: try reader.read(UInt32.self, "index checksum"),
            blockCount: try reader.read(UInt32.self, "block count"),
            seriesCount: try reader.read(UInt32.self, "series count"),
            rowCount: try reader.read(UInt64.self, "row count"))
        let version = try reader.read(UInt16.self, "version")
        guard version == ShardLayout.version else {
            throw .invalid("version", "got \(version); this build reads version \(ShardLayout.version)", in: reader.subject)
        }
        _ = try reader.read(UInt16.self, "reserved")
        let stored = try reader.read(UInt32.self, "checksum")
        let computed = CRC32C.checksum(bytes, range: 0..<40)
        guard stored == computed else { throw .checksumMismatch(got: computed, want: stored, in: reader.subject) }
        return footer
    }
}

/// Where one block lies and what it holds.
public struct ShardBlockInfo: Hashable, Sendable {
    /// Byte offset of the stored block in the file.
    public var offset: UInt64
    public var storedLength: UInt32
    public var rawLength: UInt32
    public var rowCount: UInt32
    /// CRC-32C of the stored (compressed) bytes.
    public var checksum: UInt32
    /// Earliest and latest window start among the block's rows.
    public var windowStartMin: Int64
    public var windowStartMax: Int64
}

/// Where one series' rows lie: a run of consecutive blocks.
public struct ShardSeriesRange: Hashable, Sendable {
    public var firstBlock: UInt32
    public var blockCount: UInt32
    public var rowCount: UInt64
    public var windowStartMin: Int64
    public var windowStartMax: Int64
}

/// Facts about the whole shard, kept at the head of the index.
public struct ShardMetadata: Hashable, Sendable {
    /// The virtual partition whose series the shard holds.
    public var partition: UInt32
    /// The base window length in ns.
    public var windowNanoseconds: Int64
    /// The sketches' mapping, or `nil` when rows carry no sketch.
    public var sketchMapping: SketchMapping?

    public init(partition: UInt32, windowNanoseconds: Int64, sketchMapping: SketchMapping?) {
        self.partition = partition
        self.windowNanoseconds = windowNanoseconds
        self.sketchMapping = sketchMapping
    }
}
