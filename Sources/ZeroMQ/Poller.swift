import CZeroMQ

/// What a poll waits for, or found, on one socket or file descriptor.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    /// A message (or bytes) can be received without blocking.
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// A message can be sent without blocking.
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// One thing to wait on: a socket of this thread, or a plain file descriptor (a pipe).
public enum PollItem {
    case socket(Socket, PollEvents)
    case descriptor(Int32, PollEvents)
}

/// Waits on several sockets of one thread at once.
public enum Poller {
    /// Waits until one of `items` is ready or `timeoutMs` passes (-1 waits forever) and
    /// returns, per item, the events that are ready (empty on timeout).
    public static func poll(_ items: [(socket: Socket, events: PollEvents)], timeoutMs: Int) throws(ZeroMQError) -> [PollEvents] {
        try poll(items.map { PollItem.socket($0.socket, $0.events) }, timeoutMs: timeoutMs)
    }

    /// Waits on sockets and file descriptors alike (see the socket variant).
    public static func poll(_ items: [PollItem], timeoutMs: Int) throws(ZeroMQError) -> [PollEvents] {
        var pollItems = [zmq_pollitem_t]()
        pollItems.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .socket(let socket, let events):
                pollItems.append(zmq_pollitem_t(socket: try socket.open, fd: 0, events: events.rawValue, revents: 0))
            case .descriptor(let descriptor, let events):
                pollItems.append(zmq_pollitem_t(socket: nil, fd: descriptor, events: events.rawValue, revents: 0))
            }
        }
        _ = try check("poll") { zmq_poll(&pollItems, Int32(pollItems.count), timeoutMs) }
        return pollItems.map { PollEvents(rawValue: $0.revents) }
    }
}
