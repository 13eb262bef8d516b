import CSnappy

/// Snappy block compression (the raw format, not the framing one), as Prometheus remote_write
/// bodies use it, over Debian's libsnappy.
public enum Snappy {
    /// Expands a block, refusing one that declares more than `limit` bytes before expanding it.
    public static func decompress(_ block: [UInt8], limit: Int) throws(SnappyError) -> [UInt8] {
        var length = 0
        let sized = block.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { snappy_uncompressed_length($0.baseAddress, input.count, &length) }
        }
        guard sized == SNAPPY_OK else { throw .corrupt("its length header does not decode") }
        guard length <= limit else { throw .tooLarge(declared: length, limit: limit) }
        var output = [UInt8](repeating: 0, count: length)
        var written = length
        let status = block.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                input.withMemoryRebound(to: CChar.self) { source in
                    out.withMemoryRebound(to: CChar.self) { snappy_uncompress(source.baseAddress, input.count, $0.baseAddress, &written) }
                }
            }
        }
        guard status == SNAPPY_OK, written == length else { throw .corrupt("the block does not expand to its declared \(length) bytes") }
        return output
    }

    /// Compresses a block.
    public static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var length = snappy_max_compressed_length(bytes.count)
        var output = [UInt8](repeating: 0, count: length)
        _ = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                input.withMemoryRebound(to: CChar.self) { source in
                    out.withMemoryRebound(to: CChar.self) { snappy_compress(source.baseAddress, input.count, $0.baseAddress, &length) }
                }
            }
        }
        output.removeSubrange(length...)
        return output
    }
}

/// Why a snappy block could not be expanded.
public enum SnappyError: Error, Equatable, CustomStringConvertible {
    case corrupt(String)
    case tooLarge(declared: Int, limit: Int)

    public var description: String {
        switch self {
        case .corrupt(let why): "snappy: corrupt block: \(why)"
        case .tooLarge(let declared, let limit): "snappy: the block expands to \(declared) bytes, beyond the limit of \(limit)"
        }
    }
}
