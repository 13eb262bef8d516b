import Codec

/// The fixed 32-byte header in front of every Windrow batch (docs/protocol.md, "Frame").
///
/// ```
/// 0  magic "WNDW"          identifies the format at a glance and in captures
/// 4  version u8 = 1        bumped on any incompatible change
/// 5  kind u8               1 samples, 2 partials
/// 6  flags u16             bit 0: payload is one LZ4 block; bit 1: the (sample) payload starts
///                          with a producer id and sequence, so a retry is recognised
/// 8  batch id u64          chosen by the sender; echoed in acknowledgements
/// 16 item count u32        samples or window rows in the payload
/// 20 raw length u32        payload bytes before compression
/// 24 stored length u32     payload bytes as sent (after compression, if any)
/// 28 crc32c u32            CRC-32C of header bytes 0..<28, then of the stored payload
/// ```
public struct FrameHeader: Hashable, Sendable {
    /// The encoded size; pinned by a test, since every reader depends on it.
    public static let size = 32
    static let magic: [UInt8] = Array("WNDW".utf8)
    /// The only version this code reads and writes.
    public static let version: UInt8 = 1

    /// What a frame's payload holds.
    public enum Kind: UInt8, Sendable {
        case samples = 1
        case partials = 2
    }

    public var kind: Kind
    public var compressed: Bool
    /// The payload begins with a producer key (flags bit 1; sample batches only).
    public var keyed: Bool = false
    public var batchID: UInt64
    public var itemCount: UInt32
    public var rawLength: UInt32
    public var storedLength: UInt32
    public var checksum: UInt32

    /// Writes the header with `checksum` as given (see `Frame.encode`).
    func encode(into writer: inout ByteWriter) {
        writer.append(bytes: Self.magic)
        writer.append(Self.version)
        writer.append(kind.rawValue)
        writer.append(UInt16(compressed ? 1 : 0) | UInt16(keyed ? 2 : 0))
        writer.append(batchID)
        writer.append(itemCount)
        writer.append(rawLength)
        writer.append(storedLength)
        writer.append(checksum)
    }

    /// Reads and checks a header (not yet the checksum, which covers the payload too).
    static func decode(from reader: inout ByteReader) throws(DecodeError) -> FrameHeader {
        try reader.require(size, for: "frame header")
        let magic = try reader.readBytes(4, "magic")
        guard magic.elementsEqual(Self.magic) else {
            throw .invalid("magic", "got \(Array(magic)); want \"WNDW\" \(Self.magic)", in: reader.subject)
        }
        let version = try reader.read(UInt8.self, "version")
        guard version == Self.version else {
            throw .invalid("version", "got \(version); this build reads version \(Self.version)", in: reader.subject)
        }
        let rawKind = try reader.read(UInt8.self, "kind")
        guard let kind = Kind(rawValue: rawKind) else {
            throw .invalid("kind", "got \(rawKind); want 1 (samples) or 2 (partials)", in: reader.subject)
        }
        let flags = try reader.read(UInt16.self, "flags")
        guard flags & ~3 == 0 else {
            throw .invalid("flags", "unknown bits 0x\(String(flags, radix: 16)) are set", in: reader.subject)
        }
        var header = FrameHeader(
            kind: kind, compressed: flags & 1 != 0,
            batchID: try reader.read(UInt64.self, "batch id"),
            itemCount: try reader.read(UInt32.self, "item count"),
            rawLength: try reader.read(UInt32.self, "raw length"),
            storedLength: try reader.read(UInt32.self, "stored length"),
            checksum: try reader.read(UInt32.self, "checksum"))
        header.keyed = flags & 2 != 0
        return header
    }
}
