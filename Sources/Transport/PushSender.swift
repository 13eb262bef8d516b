import ZeroMQ

/// The sending end of fire-and-forget batches: a PUSH socket connected to mappers'
/// endpoints, round-robin. Owned by one thread; unsent messages are flushed at `close()`.
public final class PushSender {
    let socket: Socket

    /// Connects to every endpoint; at most `queuedMax` messages wait before `send` blocks, and
    /// only for peers that are connected.
    public init(context: TransportContext, connect endpoints: [String], queuedMax: Int32) throws(ZeroMQError) {
        socket = try Socket(context.zmq, .push, lingerMs: -1)
        try socket.setSendHighWaterMark(queuedMax)
        try socket.setImmediate(true)
        for endpoint in endpoints { try socket.connect(endpoint) }
    }

    /// Sends one message of `parts`, waiting while the queue is full.
    public func send(_ parts: [[UInt8]]) throws(ZeroMQError) {
        _ = try socket.send(multipart: parts)
    }

    /// Sends one message of `parts` unless the queue is full or no peer is connected; `false` then.
    public func trySend(_ parts: [[UInt8]]) throws(ZeroMQError) -> Bool {
        try socket.send(multipart: parts, blocking: false)
    }

    public func close() { socket.close() }
}
