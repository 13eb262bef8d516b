import CZeroMQ

/// An error reported by libzmq: the operation that failed, its `errno` and libzmq's own text.
public struct ZeroMQError: Error, Equatable, CustomStringConvertible {
    /// The `errno` value libzmq reported.
    public let code: Int32
    /// What was being attempted (`"bind tcp://127.0.0.1:5555"`, `"send"`).
    public let operation: String

    /// libzmq's description of `code` (`zmq_strerror`).
    public var message: String { String(cString: zmq_strerror(code)) }

    /// A non-blocking call found nothing to do, or a timeout expired.
    public var isWouldBlock: Bool { code == EAGAIN }
    /// The context was shut down or terminated; the socket should be closed.
    public var isTerminated: Bool { code == ETERM }

    public var description: String { "zmq \(operation) failed: \(message) (errno \(code))" }

    init(operation: String, code: Int32 = zmq_errno()) {
        self.code = code
        self.operation = operation
    }
}

/// Runs a libzmq call that returns -1 on failure, retrying when a signal interrupted it.
@inline(__always)
func check(_ operation: @autoclosure () -> String, _ call: () -> Int32) throws(ZeroMQError) -> Int32 {
    while true {
        let result = call()
        if result >= 0 { return result }
        let code = zmq_errno()
        if code == EINTR { continue }
        throw ZeroMQError(operation: operation(), code: code)
    }
}
