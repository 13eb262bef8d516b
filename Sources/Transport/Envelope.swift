/// The request/reply envelope of every call between Windrow processes (docs/protocol.md,
/// "Transport"): a DEALER sends `[request id (u64 LE), method (ASCII), body]`, plus a token as a
/// fourth part where the receiver requires one; the ROUTER
/// answers `[request id, status (1 byte: 0 ok, 1 error), body]`, where an error body is a
/// UTF-8 message.
public enum Envelope {
    static func encode(_ id: UInt64) -> [UInt8] {
        withUnsafeBytes(of: id.littleEndian, Array.init)
    }

    static func decodeID(_ bytes: [UInt8]) -> UInt64? {
        guard bytes.count == 8 else { return nil }
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    static let ok: UInt8 = 0
    static let failed: UInt8 = 1
}

/// Why a call failed: the peer's own error, no answer in time, or a transport failure.
public struct RPCError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable { case remote, timeout, transport, shutdown }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
