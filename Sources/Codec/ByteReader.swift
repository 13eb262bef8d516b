/// Consumes little-endian fields from a byte array (the "consume" half of every format).
/// Every read checks the remaining length and throws a `DecodeError` naming the field.
public struct ByteReader: Sendable {
    /// The bytes being read.
    public let bytes: [UInt8]
    /// The position of the next read.
    public var offset: Int { position }
    /// Where the next read starts (exposed read-only as `offset`).
    @usableFromInline var position: Int
    /// The end of the readable range (exclusive).
    public let end: Int
    /// What is being decoded, for error messages.
    public let subject: String

    /// Reads `bytes[range]` (all of them by default).
    public init(_ bytes: [UInt8], range: Range<Int>? = nil, subject: String) {
        self.bytes = bytes
        self.position = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
        self.subject = subject
    }

    /// Bytes left to read.
    @inlinable
    public var remaining: Int { end - position }

    /// Fails unless at least `count` bytes remain for `field`.
    @inlinable @inline(__always)
    public func require(_ count: Int, for field: StaticString) throws(DecodeError) {
        guard count >= 0, remaining >= count else {
            throw .truncated("\(field)", got: remaining, want: count, in: subject)
        }
    }

    @inlinable @inline(__always)
    public mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: StaticString) throws(DecodeError) -> T {
        try require(MemoryLayout<T>.size, for: field)
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: T.self) }
        position += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    @inlinable @inline(__always)
    public mutating func readDouble(_ field: StaticString) throws(DecodeError) -> Double {
        Double(bitPattern: try read(UInt64.self, field))
    }

    /// Reads an unsigned LEB128 varint of at most 10 bytes.
    @inlinable @inline(__always)
    public mutating func readVarint(_ field: StaticString) throws(DecodeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw .truncated("\(field)", got: 0, want: 1, in: subject) }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw .invalid("\(field)", "varint overflows 64 bits", in: subject) }
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// Reads a varint that must fit `0...limit`, as an `Int`.
    @inlinable
    public mutating func readCount(_ field: StaticString, limit: Int) throws(DecodeError) -> Int {
        let value = try readVarint(field)
        guard value <= UInt64(limit) else {
            throw .invalid("\(field)", "\(value) exceeds the limit of \(limit)", in: subject)
        }
        return Int(value)
    }

    @inlinable @inline(__always)
    public mutating func readZigzag(_ field: StaticString) throws(DecodeError) -> Int64 {
        let raw = try readVarint(field)
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Reads a varint-prefixed UTF-8 string of at most `limit` bytes.
    @inlinable
    public mutating func readString(_ field: StaticString, limit: Int) throws(DecodeError) -> String {
        let count = try readCount(field, limit: limit)
        try require(count, for: field)
        let slice = bytes[position..<(position + count)]
        position += count
        // ASCII (names and tags nearly always are) is valid UTF-8 as it stands.
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw .invalid("\(field)", "not valid UTF-8", in: subject)
        }
        return string
    }

    /// Reads `count` raw bytes.
    @inlinable
    public mutating func readBytes(_ count: Int, _ field: StaticString) throws(DecodeError) -> ArraySlice<UInt8> {
        try require(count, for: field)
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    /// Reads `count` fixed-width little-endian integers.
    @inlinable
    public mutating func readColumn<T: FixedWidthInteger>(_: T.Type, count: Int, _ field: StaticString) throws(DecodeError) -> [T] {
        let width = MemoryLayout<T>.size
        let (total, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow else { throw .invalid("\(field)", "count \(count) is too large", in: subject) }
        try require(total, for: field)
        let start = position
        position += total
        return bytes.withUnsafeBytes { buffer in
            [T](unsafeUninitializedCapacity: count) { column, initialized in
                for index in 0..<count {
                    column[index] = T(littleEndian: buffer.loadUnaligned(fromByteOffset: start + index * width, as: T.self))
                }
                initialized = count
            }
        }
    }

    /// Reads `count` doubles stored as little-endian IEEE-754 bits.
    @inlinable
    public mutating func readDoubleColumn(count: Int, _ field: StaticString) throws(DecodeError) -> [Double] {
        let (total, overflow) = count.multipliedReportingOverflow(by: 8)
        guard !overflow else { throw .invalid("\(field)", "count \(count) is too large", in: subject) }
        try require(total, for: field)
        let start = position
        position += total
        return bytes.withUnsafeBytes { buffer in
            [Double](unsafeUninitializedCapacity: count) { column, initialized in
                for index in 0..<count {
                    column[index] = Double(bitPattern: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: start + index * 8, as: UInt64.self)))
                }
                initialized = count
            }
        }
    }

    /// Fails unless every byte was consumed (trailing garbage means a different layout).
    @inlinable
    public func expectEnd() throws(DecodeError) {
        guard remaining == 0 else {
            throw .invalid("length", "\(remaining) bytes left over after the last field", in: subject)
        }
    }
}
