import ZeroMQ

/// Waits until one of a loop's sources has something to read: the one blocking point of a
/// role's thread.
public enum Readiness {
    /// Something a loop waits on.
    public enum Source {
        case server(RPCServer)
        case pull(PullReceiver)
        case waker(Waker)
    }

    /// Waits up to `timeoutMs` (0: do not wait) and returns, per source, whether it is
    /// readable. A readable waker is drained.
    public static func wait(_ sources: [Source], timeoutMs: Int) throws(ZeroMQError) -> [Bool] {
        let items: [PollItem] = sources.map { source in
            switch source {
            case .server(let server): .socket(server.socket, .readable)
            case .pull(let pull): .socket(pull.socket, .readable)
            case .waker(let waker): .descriptor(waker.descriptor, .readable)
            }
        }
        let ready = try Poller.poll(items, timeoutMs: timeoutMs).map { $0.contains(.readable) }
        for (source, readable) in zip(sources, ready) where readable {
            if case .waker(let waker) = source { waker.drain() }
        }
        return ready
    }
}
