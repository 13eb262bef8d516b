/// Reads protocol buffers' wire format over borrowed bytes without allocating: a message is a
/// run of fields, each a key (field number and wire type) and a value. Generated code is not
/// needed for the few messages Windrow takes (remote_write, OTLP), and reading them in place
/// keeps the ingest path free of per-sample allocation.
public struct ProtobufReader {
    /// The wire types of protobuf 3.
    public enum WireType: UInt8, Sendable {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    public let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int
    let end: Int

    /// A reader of `bytes[range]` (the whole buffer without one).
    public init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>? = nil) {
        self.bytes = bytes
        offset = range?.lowerBound ?? 0
        end = range?.upperBound ?? bytes.count
    }

    public var atEnd: Bool { offset >= end }

    /// The next field's number and wire type.
    public mutating func field() throws(DecodeError) -> (number: Int, type: WireType) {
        let key = try varint()
        guard let type = WireType(rawValue: UInt8(key & 7)), key >> 3 > 0, key >> 3 <= 536_870_911 else {
            throw DecodeError.invalid("protobuf field key", "\(key) at byte \(offset)", in: "protobuf message")
        }
        return (Int(key >> 3), type)
    }

    @inline(__always)
    public mutating func varint() throws(DecodeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { break }
        }
        throw DecodeError.invalid("protobuf varint", "cut short or longer than 10 bytes at byte \(offset)", in: "protobuf message")
    }

    @inline(__always)
    public mutating func fixed64() throws(DecodeError) -> UInt64 {
        guard end - offset >= 8 else { throw DecodeError.truncated("protobuf fixed64", got: end - offset, want: 8, in: "protobuf message") }
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    public mutating func fixed32() throws(DecodeError) -> UInt32 {
        guard end - offset >= 4 else { throw DecodeError.truncated("protobuf fixed32", got: end - offset, want: 4, in: "protobuf message") }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    public mutating func double() throws(DecodeError) -> Double { Double(bitPattern: try fixed64()) }

    /// A length-delimited value's byte range (a string, bytes, a message or a packed run).
    @inline(__always)
    public mutating func lengthDelimited() throws(DecodeError) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - offset) else {
            throw DecodeError.truncated("protobuf length-delimited field", got: end - offset, want: Int(clamping: length), in: "protobuf message")
        }
        let start = offset
        offset += Int(length)
        return start..<offset
    }

    /// A reader of the embedded message at `range`.
    public func message(_ range: Range<Int>) -> ProtobufReader { ProtobufReader(bytes, range: range) }

    /// The UTF-8 text at `range`, or `nil` when it is not valid UTF-8.
    public func string(_ range: Range<Int>) -> String? {
        String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Reads past a value of `type`.
    public mutating func skip(_ type: WireType) throws(DecodeError) {
        switch type {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimited()
        case .startGroup, .endGroup: throw DecodeError.invalid("protobuf field", "groups are not supported (byte \(offset))", in: "protobuf message")
        }
    }
}
