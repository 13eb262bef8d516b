import CZeroMQ

extension Socket {
    func setOption(_ option: Int32, _ value: Int32, name: String) throws(ZeroMQError) {
        let socket = try open
        var value = value
        _ = try check("setsockopt \(name)") {
            zmq_setsockopt(socket, option, &value, MemoryLayout<Int32>.size)
        }
    }

    func setOption(_ option: Int32, bytes: [UInt8], name: String) throws(ZeroMQError) {
        let socket = try open
        _ = try check("setsockopt \(name)") {
            bytes.withUnsafeBytes { zmq_setsockopt(socket, option, $0.baseAddress, $0.count) }
        }
    }

    func intOption(_ option: Int32, name: String) throws(ZeroMQError) -> Int32 {
        let socket = try open
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        _ = try check("getsockopt \(name)") { zmq_getsockopt(socket, option, &value, &size) }
        return value
    }

    /// Most messages queued for sending before `send` blocks or drops (per pattern).
    public func setSendHighWaterMark(_ messages: Int32) throws(ZeroMQError) {
        try setOption(ZMQ_SNDHWM, messages, name: "sndhwm")
    }

    /// Most messages queued on receipt before libzmq stops reading from peers.
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZeroMQError) {
        try setOption(ZMQ_RCVHWM, messages, name: "rcvhwm")
    }

    /// How long unsent messages are kept after `close` (0 drops them at once).
    public func setLinger(milliseconds: Int32) throws(ZeroMQError) {
        try setOption(ZMQ_LINGER, milliseconds, name: "linger")
    }

    /// How long a blocking receive waits before returning `nil` (-1 waits forever).
    public func setReceiveTimeout(milliseconds: Int32) throws(ZeroMQError) {
        try setOption(ZMQ_RCVTIMEO, milliseconds, name: "rcvtimeo")
    }

    /// How long a blocking send waits before returning `false` (-1 waits forever).
    public func setSendTimeout(milliseconds: Int32) throws(ZeroMQError) {
        try setOption(ZMQ_SNDTIMEO, milliseconds, name: "sndtimeo")
    }

    /// The identity a ROUTER peer sees for this socket (1 to 255 bytes); set before connecting.
    public func setIdentity(_ identity: [UInt8]) throws(ZeroMQError) {
        try setOption(ZMQ_ROUTING_ID, bytes: identity, name: "routing_id")
    }

    /// Subscribes a SUB socket to messages starting with `prefix` (empty: everything).
    public func subscribe(_ prefix: [UInt8] = []) throws(ZeroMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix, name: "subscribe")
    }

    /// Makes a ROUTER fail a send to an unknown identity instead of dropping it silently.
    public func setRouterMandatory(_ on: Bool) throws(ZeroMQError) {
        try setOption(ZMQ_ROUTER_MANDATORY, on ? 1 : 0, name: "router_mandatory")
    }

    /// Turns on TCP keep-alive probes so that dead peers are noticed.
    public func setTCPKeepAlive(_ on: Bool) throws(ZeroMQError) {
        try setOption(ZMQ_TCP_KEEPALIVE, on ? 1 : 0, name: "tcp_keepalive")
    }

    /// The endpoint last bound, with the port libzmq chose for `*`.
    public var lastEndpoint: String {
        get throws(ZeroMQError) {
            let socket = try open
            var buffer = [UInt8](repeating: 0, count: 256)
            var size = buffer.count
            _ = try check("getsockopt last_endpoint") {
                buffer.withUnsafeMutableBytes { zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, $0.baseAddress, &size) }
            }
            let length = buffer.firstIndex(of: 0) ?? size
            return String(decoding: buffer[..<length], as: UTF8.self)
        }
    }

    /// Whether the last frame received has more frames of the same message after it.
    public var hasMoreFrames: Bool {
        get throws(ZeroMQError) { try intOption(ZMQ_RCVMORE, name: "rcvmore") != 0 }
    }
}

extension Socket {
    /// Queues messages only to completed connections, so a send with no peer reports "would
    /// block" at once instead of filling a queue for a peer that may never come.
    public func setImmediate(_ on: Bool) throws(ZeroMQError) {
        try setOption(ZMQ_IMMEDIATE, on ? 1 : 0, name: "immediate")
    }
}
