import ZeroMQ

/// The messaging context of one process: the owner of the I/O thread every socket of
/// `RPCServer`, `RPCClient` and `PullReceiver` runs on. Roles create one and never see
/// ZeroMQ itself: `Transport` is the only module that imports it (besides the load generator).
public final class TransportContext: Sendable {
    let zmq: Context

    public init(ioThreads: Int = 1) {
        zmq = Context(ioThreads: ioThreads)
    }
}
