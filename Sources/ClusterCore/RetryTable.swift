import Wire

/// The acknowledgements a mapper gave to keyed batches (`ProducerKey`), kept for a window so
/// that a producer that got no answer can send the same batch again and get the first answer
/// back instead of having it counted twice. Bounded by time (`windowNanoseconds`) and by
/// count (`keysMax`, oldest forgotten first). Pure: the mapper persists entries in a log of
/// their own and replays them into this table at start.
public struct RetryTable: Sendable {
    public let windowNanoseconds: Int64
    public let keysMax: Int
    private var replies: [ProducerKey: IngestReply] = [:]
    /// Keys in the order they were remembered, with their times; `head` is the oldest live one.
    private var order: [(key: ProducerKey, time: Int64)] = []
    private var head = 0
    /// Keys forgotten because the table was full before their window ended.
    public private(set) var evictedEarly = 0

    public init(windowNanoseconds: Int64, keysMax: Int) {
        self.windowNanoseconds = windowNanoseconds
        self.keysMax = keysMax
    }

    /// Keys remembered now.
    public var count: Int { replies.count }

    /// The first acknowledgement of `key`, if it is remembered.
    public func reply(for key: ProducerKey) -> IngestReply? { replies[key] }

    /// Remembers the acknowledgement of `key`, given at `time` (wall ns).
    public mutating func remember(_ key: ProducerKey, reply: IngestReply, time: Int64) {
        guard replies[key] == nil else { return }
        replies[key] = reply
        order.append((key, time))
        while replies.count > keysMax {
            forgetOldest()
            evictedEarly += 1
        }
    }

    /// Forgets keys remembered before `now − window`.
    public mutating func expire(now: Int64) {
        while head < order.count, order[head].time < now - windowNanoseconds { forgetOldest() }
    }

    private mutating func forgetOldest() {
        replies[order[head].key] = nil
        head += 1
        if head > 4096 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
