import CZlib

/// gzip decompression of request bodies (`Content-Encoding: gzip`), bounded so that a small
/// hostile body cannot expand without limit.
public enum Gzip {
    /// Why a body could not be decompressed.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case corrupt(String)
        case tooLarge(limit: Int)

        public var description: String {
            switch self {
            case .corrupt(let reason): "body is not valid gzip: \(reason)"
            case .tooLarge(let limit): "body expands beyond the limit of \(limit) bytes"
            }
        }
    }

    /// Decompresses one or more concatenated gzip members of at most `limit` bytes in all.
    public static func decompress(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var failure: Failure?
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while failure == nil {
                let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit { failure = .tooLarge(limit: limit); break }
                output.append(contentsOf: chunk[..<produced])
                if status == Z_STREAM_END {
                    // Another gzip member may follow.
                    if stream.avail_in == 0 { break }
                    if inflateReset(&stream) != Z_OK { failure = .corrupt("cannot reset after a member") }
                } else if status != Z_OK {
                    failure = .corrupt(stream.msg.map { String(cString: $0) } ?? "error \(status)")
                } else if stream.avail_in == 0 && produced == 0 {
                    failure = .corrupt("truncated")
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}
