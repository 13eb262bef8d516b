import Auth
import ZeroMQ

/// The answering side of calls: a ROUTER socket bound to an endpoint. Owned by one thread.
///
/// With a cluster `secret`, every request must carry it as its credential part: others are
/// refused with an `unauthorized: …` error and reported to `refused` (for the role's metrics),
/// and never reach the role.
public final class RPCServer {
    let socket: Socket
    let secret: [UInt8]?
    let refused: (String) -> Void
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

    public init(context: TransportContext, bind endpoint: String, secret: [UInt8]? = nil,
                refused: @escaping (String) -> Void = { _ in }) throws(ZeroMQError) {
        self.secret = secret
        self.refused = refused
        socket = try Socket(context.zmq, .router)
        try socket.setReceiveHighWaterMark(100_000)
        try socket.setSendHighWaterMark(100_000)
        try socket.bind(endpoint)
        self.endpoint = try socket.lastEndpoint
    }

    /// The next request, or `nil` when none is waiting. Malformed envelopes are dropped (and
    /// reported as `malformed_envelope`); requests without the cluster secret are refused.
    public func receive() throws(ZeroMQError) -> Request? {
        while let frames = try socket.receiveMultipart(blocking: false) {
            guard frames.count == 4 || frames.count == 5, frames[1].count == 8 else {
                refused("malformed_envelope")
                continue
            }
            let request = Request(identity: frames[0], id: frames[1], method: String(decoding: frames[2], as: UTF8.self), body: frames[3],
                                  credential: frames.count == 5 ? frames[4] : nil)
            if let secret, !ClusterSecret.matches(request.credential, secret) {
                refused(request.credential == nil ? "missing_secret" : "wrong_secret")
                fail(request, "unauthorized: this endpoint takes calls only with the cluster secret as the last part")
                continue
            }
            return request
        }
        return nil
    }

    public func close() { socket.close() }

    /// Answers `request` successfully with `body`.
    public func reply(_ request: Request, _ body: [UInt8]) {
        _ = try? socket.send(multipart: [request.identity, request.id, [Envelope.ok], body], blocking: false)
    }

    /// Answers `request` with an error message.
    public func fail(_ request: Request, _ message: String) {
        _ = try? socket.send(multipart: [request.identity, request.id, [Envelope.failed], Array(message.utf8)], blocking: false)
    }
}
