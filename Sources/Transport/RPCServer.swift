import ZeroMQ

/// The answering side of calls: a ROUTER socket bound to an endpoint. Owned by one thread.
public final class RPCServer {
    public let socket: Socket
    /// The endpoint bound, with the real port when `*` or `0` was asked for.
    public let endpoint: String

    /// One call waiting for its answer.
    public struct Request {
        let identity: [UInt8]
        let id: [UInt8]
        /// The method named by the caller (`"partials"`, `"query"`, ...).
        public let method: String
        public let body: [UInt8]
        /// The caller's token, when it sent one as a last, fourth part.
        public let credential: [UInt8]?
    }

    public init(context: Context, bind endpoint: String) throws(ZeroMQError) {
        socket = try Socket(context, .router)
        try socket.setReceiveHighWaterMark(100_000)
        try socket.setSendHighWaterMark(100_000)
        try socket.bind(endpoint)
        self.endpoint = try socket.lastEndpoint
    }

    /// The next request, or `nil` when none is waiting. Malformed envelopes are dropped.
    public func receive() throws(ZeroMQError) -> Request? {
        while let frames = try socket.receiveMultipart(blocking: false) {
            guard frames.count == 4 || frames.count == 5, frames[1].count == 8 else { continue }
            return Request(identity: frames[0], id: frames[1], method: String(decoding: frames[2], as: UTF8.self), body: frames[3],
                           credential: frames.count == 5 ? frames[4] : nil)
        }
        return nil
    }

    /// Answers `request` successfully with `body`.
    public func reply(_ request: Request, _ body: [UInt8]) {
        _ = try? socket.send(multipart: [request.identity, request.id, [Envelope.ok], body], blocking: false)
    }

    /// Answers `request` with an error message.
    public func fail(_ request: Request, _ message: String) {
        _ = try? socket.send(multipart: [request.identity, request.id, [Envelope.failed], Array(message.utf8)], blocking: false)
    }
}
