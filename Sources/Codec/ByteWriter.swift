/// Appends little-endian fields to a growing byte array (the "append" half of every format).
public struct ByteWriter: Sendable {
    /// Everything written so far.
    public var bytes: [UInt8]

    /// Starts empty, with room for `capacity` bytes.
    @inlinable
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The number of bytes written so far.
    @inlinable
    public var count: Int { bytes.count }

    @inlinable @inline(__always)
    public mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable @inline(__always)
    public mutating func append(_ value: Double) {
        append(value.bitPattern)
    }

    /// Writes raw bytes with no length prefix.
    @inlinable
    public mutating func append(bytes other: some Sequence<UInt8>) {
        bytes.append(contentsOf: other)
    }

    /// Writes an unsigned LEB128 varint (7 bits a byte, low bits first).
    @inlinable @inline(__always)
    public mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Writes a signed value as a zigzag varint (small magnitudes, either sign, stay short).
    @inlinable @inline(__always)
    public mutating func appendZigzag(_ value: Int64) {
        appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Writes a string as a varint byte count followed by its UTF-8 bytes.
    @inlinable
    public mutating func appendString(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            appendVarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Writes each element as a fixed-width little-endian integer, with no count prefix.
    @inlinable
    public mutating func appendColumn<T: FixedWidthInteger>(_ values: some Collection<T>) {
        let start = bytes.count
        let width = MemoryLayout<T>.size
        bytes.append(contentsOf: repeatElement(0, count: values.count * width))
        bytes.withUnsafeMutableBytes { buffer in
            var offset = start
            for value in values {
                buffer.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
                offset += width
            }
        }
    }

    /// Writes each double's IEEE-754 bits as a little-endian UInt64, with no count prefix.
    @inlinable
    public mutating func appendColumn(_ values: some Collection<Double>) {
        appendColumn(values.lazy.map(\.bitPattern))
    }

    /// Overwrites 4 bytes at `offset` (for lengths and checksums known only at the end).
    @inlinable
    public mutating func overwrite(_ value: UInt32, at offset: Int) {
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self) }
    }
}
