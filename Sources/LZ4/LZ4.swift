import CLZ4

/// LZ4 block compression (no frame format: callers carry the sizes and checksums themselves).
public enum LZ4 {
    /// The largest input LZ4's block format accepts.
    public static let maxInputSize = Int(LZ4_MAX_INPUT_SIZE)

    /// The most bytes `compress` can produce for `count` input bytes.
    public static func compressBound(_ count: Int) -> Int {
        Int(LZ4_compressBound(Int32(clamping: count)))
    }

    /// Compresses `input` and appends the block to `output`; returns the compressed size.
    @discardableResult
    public static func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws(LZ4Error) -> Int {
        guard input.count <= maxInputSize else { throw LZ4Error(.inputTooLarge(input.count)) }
        let start = output.count
        let bound = compressBound(input.count)
        var written = 0
        output.append(contentsOf: repeatElement(0, count: bound))
        output.withUnsafeMutableBytes { buffer in
            let destination = buffer.baseAddress!.advanced(by: start).assumingMemoryBound(to: CChar.self)
            let source = input.baseAddress?.assumingMemoryBound(to: CChar.self)
            written = Int(LZ4_compress_default(source, destination, Int32(input.count), Int32(bound)))
        }
        output.removeLast(bound - written)
        guard written > 0 || input.isEmpty else { throw LZ4Error(.compressionFailed) }
        return written
    }

    /// Compresses `input` into a new block.
    public static func compress(_ input: [UInt8]) throws(LZ4Error) -> [UInt8] {
        var output = [UInt8]()
        do {
            try input.withUnsafeBytes { buffer in _ = try compress(buffer, appendingTo: &output) }
        } catch let error as LZ4Error {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
        return output
    }

    /// Decompresses a block that must expand to exactly `originalSize` bytes, which must not
    /// exceed `limit`. Never reads or writes out of bounds, whatever the input holds.
    public static func decompress(_ input: UnsafeRawBufferPointer, originalSize: Int, limit: Int) throws(LZ4Error) -> [UInt8] {
        guard originalSize >= 0, originalSize <= limit, originalSize <= maxInputSize else {
            throw LZ4Error(.declaredSizeTooLarge(originalSize, limit: limit))
        }
        guard input.count <= Int(Int32.max) else { throw LZ4Error(.inputTooLarge(input.count)) }
        if originalSize == 0 {
            // An empty block is the single token byte 0.
            guard input.count == 1, input[0] == 0 else { throw LZ4Error(.corrupt(decoded: -1, expected: 0)) }
            return []
        }
        var decoded = 0
        let output = [UInt8](unsafeUninitializedCapacity: originalSize) { buffer, initialized in
            let source = input.baseAddress?.assumingMemoryBound(to: CChar.self)
            let destination = UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            decoded = Int(LZ4_decompress_safe(source, destination, Int32(input.count), Int32(originalSize)))
            initialized = decoded == originalSize ? originalSize : 0
        }
        guard decoded == originalSize else { throw LZ4Error(.corrupt(decoded: decoded, expected: originalSize)) }
        return output
    }

    /// Decompresses a block held in an array (see the buffer variant).
    public static func decompress(_ input: [UInt8], originalSize: Int, limit: Int) throws(LZ4Error) -> [UInt8] {
        do {
            return try input.withUnsafeBytes { try decompress($0, originalSize: originalSize, limit: limit) }
        } catch let error as LZ4Error {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }
}
