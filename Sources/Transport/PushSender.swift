import ZeroMQ

/// The sending end of fire-and-forget batches: a PUSH socket connected to mappers'
/// endpoints, round-robin. Owned by one thread; unsent messages are flushed at `close()`.
public final class PushSender {
    let socket: Socket

    /// Connects to every endpoint; at most `queuedMax` messages wait before `send` blocks.
    public init(context: TransportContext, connect endpoints: [String], queuedMax: Int32) throws(ZeroMQError) {
        socket = try Socket(context.zmq, .push, lingerMs: -1)
        try socket.setSendHighWaterMark(queuedMax)
        for endpoint in endpoints { try socket.connect(endpoint) }
    }

    /// Sends one message of `parts`, waiting while the queue is full.
    public func send(_ parts: [[UInt8]]) throws(ZeroMQError) {
        _ = try socket.send(multipart: parts)
    }

    public func close() { socket.close() }
}
