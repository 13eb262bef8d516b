import ZeroMQ

/// The receiving end of fire-and-forget batches: a PULL socket bound to an endpoint.
/// Owned by one thread (libzmq sockets are not thread-safe).
public final class PullReceiver {
    let socket: Socket
    /// The endpoint bound, with the real port when `*` or `0` was asked for.
    public let endpoint: String

    /// Binds; at most `queuedMax` messages wait in the socket before senders block.
    public init(context: TransportContext, bind endpoint: String, queuedMax: Int32) throws(ZeroMQError) {
        socket = try Socket(context.zmq, .pull)
        try socket.setReceiveHighWaterMark(queuedMax)
        try socket.bind(endpoint)
        self.endpoint = try socket.lastEndpoint
    }

    /// The next message's parts, or `nil` when none is waiting.
    public func receive() throws(ZeroMQError) -> [[UInt8]]? {
        try socket.receiveMultipart(blocking: false)
    }

    public func close() { socket.close() }
}
