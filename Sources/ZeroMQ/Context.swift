import CZeroMQ

/// A libzmq context: the owner of I/O threads and the factory of sockets.
///
/// `@unchecked Sendable`: libzmq documents contexts as thread-safe, and the handle is only
/// released in `deinit`, after every socket (each of which retains its context) has closed.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` background I/O threads.
    public init(ioThreads: Int = 1) {
        guard let handle = zmq_ctx_new() else {
            preconditionFailure("zmq_ctx_new failed: \(ZeroMQError(operation: "ctx_new"))")
        }
        zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(ioThreads))
        self.handle = handle
    }

    /// Makes every blocking call on this context's sockets return with `isTerminated`,
    /// from any thread. Sockets must still be closed by their owners.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    deinit {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
