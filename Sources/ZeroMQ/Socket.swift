import CZeroMQ

/// One libzmq socket. Not thread-safe (libzmq sockets are not): create it on the thread or
/// task that uses it and keep it there. Closed in `deinit`, or earlier by `close()`.
public final class Socket {
    /// The context this socket belongs to; retained so that it outlives the socket.
    public let context: Context
    /// The pattern this socket was created with.
    public let type: SocketType
    var handle: UnsafeMutableRawPointer?
    /// Reused for every receive so that receiving allocates nothing beyond the returned bytes.
    private let message: UnsafeMutablePointer<zmq_msg_t>

    /// Creates a socket of `type` in `context`, with linger set to `lingerMs`.
    public init(_ context: Context, _ type: SocketType, lingerMs: Int32 = 0) throws(ZeroMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZeroMQError(operation: "socket")
        }
        self.context = context
        self.type = type
        self.handle = handle
        self.message = .allocate(capacity: 1)
        try setOption(ZMQ_LINGER, lingerMs, name: "linger")
    }

    deinit {
        close()
        message.deallocate()
    }

    /// Closes the socket now; further calls fail with `ENOTSOCK`.
    public func close() {
        guard let handle else { return }
        zmq_close(handle)
        self.handle = nil
    }

    var open: UnsafeMutableRawPointer {
        get throws(ZeroMQError) {
            guard let handle else { throw ZeroMQError(operation: "use of closed socket", code: ENOTSOCK) }
            return handle
        }
    }

    /// Binds to `endpoint` (`tcp://127.0.0.1:*` picks a free port; see `lastEndpoint`).
    public func bind(_ endpoint: String) throws(ZeroMQError) {
        let socket = try open
        _ = try check("bind \(endpoint)") { zmq_bind(socket, endpoint) }
    }

    /// Connects to `endpoint`; libzmq reconnects by itself when the peer goes away.
    public func connect(_ endpoint: String) throws(ZeroMQError) {
        let socket = try open
        _ = try check("connect \(endpoint)") { zmq_connect(socket, endpoint) }
    }

    /// Drops the connection to `endpoint` made by `connect`.
    public func disconnect(_ endpoint: String) throws(ZeroMQError) {
        let socket = try open
        _ = try check("disconnect \(endpoint)") { zmq_disconnect(socket, endpoint) }
    }

    /// Sends one frame. With `more`, further frames of the same message follow.
    /// Returns `false` when `blocking` is off (or a send timeout is set) and the frame
    /// could not be queued.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, blocking: Bool = true) throws(ZeroMQError) -> Bool {
        let socket = try open
        let flags = (more ? ZMQ_SNDMORE : 0) | (blocking ? 0 : ZMQ_DONTWAIT)
        do {
            _ = try check("send") { zmq_send(socket, bytes.baseAddress, bytes.count, flags) }
            return true
        } catch where error.isWouldBlock {
            return false
        }
    }

    /// Sends one frame from an array of bytes.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, blocking: Bool = true) throws(ZeroMQError) -> Bool {
        do {
            return try bytes.withUnsafeBytes { buffer in try send(buffer, more: more, blocking: blocking) }
        } catch let error as ZeroMQError {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// Sends a message of several frames atomically (all or none are delivered).
    @discardableResult
    public func send(multipart frames: [[UInt8]], blocking: Bool = true) throws(ZeroMQError) -> Bool {
        for (index, frame) in frames.enumerated() {
            let sent = try send(frame, more: index < frames.count - 1, blocking: blocking || index > 0)
            if !sent { return false }
        }
        return true
    }

    /// Receives one frame, or `nil` when not `blocking` (or the receive timeout expired) and
    /// nothing is waiting. `more` tells whether further frames of the same message follow.
    public func receiveFrame(blocking: Bool = true) throws(ZeroMQError) -> (bytes: [UInt8], more: Bool)? {
        let socket = try open
        zmq_msg_init(message)
        defer { zmq_msg_close(message) }
        do {
            _ = try check("receive") { zmq_msg_recv(message, socket, blocking ? 0 : ZMQ_DONTWAIT) }
        } catch where error.isWouldBlock {
            return nil
        }
        let count = zmq_msg_size(message)
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { buffer.baseAddress!.update(from: zmq_msg_data(message).assumingMemoryBound(to: UInt8.self), count: count) }
            initialized = count
        }
        return (bytes, zmq_msg_more(message) != 0)
    }

    /// Receives all frames of one message, or `nil` when nothing is waiting (see `receiveFrame`).
    public func receiveMultipart(blocking: Bool = true) throws(ZeroMQError) -> [[UInt8]]? {
        guard let first = try receiveFrame(blocking: blocking) else { return nil }
        var frames = [first.bytes]
        var more = first.more
        while more {
            // The remaining frames of a message arrive together with the first.
            guard let next = try receiveFrame(blocking: true) else { break }
            frames.append(next.bytes)
            more = next.more
        }
        return frames
    }
}
