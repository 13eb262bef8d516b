import Codec
import LZ4

/// Wraps payloads in the checksummed, optionally LZ4-compressed frame of `FrameHeader`.
public enum Frame {
    /// Payloads smaller than this are sent uncompressed: LZ4 would not pay for itself.
    static let compressionThreshold = 256

    /// Builds a frame around `payload`.
    public static func encode(kind: FrameHeader.Kind, batchID: UInt64, itemCount: Int, payload: [UInt8], compress: Bool = true,
                              keyed: Bool = false) -> [UInt8] {
        var stored = payload
        var compressed = false
        if compress && payload.count >= compressionThreshold, let block = try? LZ4.compress(payload), block.count < payload.count {
            stored = block
            compressed = true
        }
        var writer = ByteWriter(capacity: FrameHeader.size + stored.count)
        let header = FrameHeader(
            kind: kind, compressed: compressed, keyed: keyed, batchID: batchID, itemCount: UInt32(itemCount),
            rawLength: UInt32(payload.count), storedLength: UInt32(stored.count), checksum: 0)
        header.encode(into: &writer)
        writer.append(bytes: stored)
        let checksum = writer.bytes.withUnsafeBytes { buffer in
            let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<28]))
            return CRC32C.update(head, UnsafeRawBufferPointer(rebasing: buffer[FrameHeader.size...]))
        }
        writer.overwrite(checksum, at: 28)
        return writer.bytes
    }

    /// Reads just the header, to route or acknowledge a frame before decoding it.
    public static func header(of bytes: [UInt8], subject: String = "batch") throws(DecodeError) -> FrameHeader {
        var reader = ByteReader(bytes, subject: subject)
        return try FrameHeader.decode(from: &reader)
    }

    /// Checks a frame's header, lengths and checksum and returns its header and raw payload.
    public static func decode(_ bytes: [UInt8], expecting kind: FrameHeader.Kind, limits: WireLimits, subject: String) throws(DecodeError) -> (FrameHeader, [UInt8]) {
        var reader = ByteReader(bytes, subject: subject)
        let header = try FrameHeader.decode(from: &reader)
        guard header.kind == kind else {
            throw .invalid("kind", "got \(header.kind); want \(kind)", in: subject)
        }
        guard Int(header.storedLength) == reader.remaining else {
            throw reader.remaining < Int(header.storedLength)
                ? .truncated("payload", got: reader.remaining, want: Int(header.storedLength), in: subject)
                : .invalid("stored length", "header says \(header.storedLength) bytes; \(reader.remaining) follow", in: subject)
        }
        guard Int(header.rawLength) <= limits.payloadBytesMax else {
            throw .invalid("raw length", "\(header.rawLength) bytes exceeds the limit of \(limits.payloadBytesMax)", in: subject)
        }
        guard Int(header.itemCount) <= limits.itemsMax else {
            throw .invalid("item count", "\(header.itemCount) exceeds the limit of \(limits.itemsMax)", in: subject)
        }
        let computed = bytes.withUnsafeBytes { buffer in
            let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<28]))
            return CRC32C.update(head, UnsafeRawBufferPointer(rebasing: buffer[FrameHeader.size...]))
        }
        guard computed == header.checksum else {
            throw .checksumMismatch(got: computed, want: header.checksum, in: subject)
        }
        if !header.compressed {
            guard header.rawLength == header.storedLength else {
                throw .invalid("raw length", "\(header.rawLength) differs from stored length \(header.storedLength) in an uncompressed frame", in: subject)
            }
            return (header, Array(bytes[FrameHeader.size...]))
        }
        do {
            let payload = try bytes.withUnsafeBytes { buffer throws(LZ4Error) in
                try LZ4.decompress(UnsafeRawBufferPointer(rebasing: buffer[FrameHeader.size...]),
                                   originalSize: Int(header.rawLength), limit: limits.payloadBytesMax)
            }
            return (header, payload)
        } catch {
            throw .invalid("payload", "\(error)", in: subject)
        }
    }
}
