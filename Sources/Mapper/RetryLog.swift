import Codec
import ClusterClient
import ClusterCore
import Logging
import Storage
import Wire

/// The durable side of the mapper's `RetryTable`: one record per keyed batch taken
/// (`time i64, producer string, sequence u64, reply JSON`), in a log of its own because the
/// main log is truncated as soon as reducers apply it while retries are answered for a longer
/// window. A new segment starts every few minutes; segments older than the window are deleted.
/// Records are written every loop turn (they survive a crash of the process) and fsynced once
/// a heartbeat, so keys add no fsync to an acknowledgement; a power loss can forget the keys
/// of the last second, and only a retry of those could then be counted again.
final class RetryLog {
    let log: WriteAheadLog
    /// Segment starts (log positions) with the wall time they were started at.
    private var segments: [(position: UInt64, time: Int64)] = []
    static let segmentSeconds: Int64 = 120

    init(directory: String) throws {
        log = try WriteAheadLog(directory: directory, segmentBytesMax: 16 << 20)
    }

    /// Reads every remembered key into `table`; returns how many there were.
    func load(into table: inout RetryTable, now: Int64) -> Int {
        var loaded = 0
        try? log.replay(from: log.startPosition) { _, record in
            var reader = ByteReader(record, subject: "retry record")
            guard let time = try? reader.read(Int64.self, "time"),
                  let producer = try? reader.readString("producer id", limit: ProducerKey.producerBytesMax),
                  let sequence = try? reader.read(UInt64.self, "sequence"),
                  let reply = try? JSONWire.decode(IngestReply.self, from: Array(record[(record.count - reader.remaining)...])) else { return }
            table.remember(ProducerKey(producer: producer, sequence: sequence), reply: reply, time: time)
            loaded += 1
        }
        table.expire(now: now)
        try? log.rotate()
        segments = [(log.endPosition, now)]
        return table.count
    }

    /// Appends a key with its acknowledgement (`reply`, the JSON the producer got).
    func append(_ key: ProducerKey, reply: [UInt8], time: Int64) {
        var writer = ByteWriter(capacity: 32 + key.producer.utf8.count + reply.count)
        writer.append(time)
        writer.appendString(key.producer)
        writer.append(key.sequence)
        writer.append(bytes: reply)
        log.append(writer.bytes)
        if let last = segments.last, time - last.time > Self.segmentSeconds * 1_000_000_000 {
            try? log.rotate()
            segments.append((log.endPosition, time))
        }
    }

    /// Writes appended keys (`fsync`: and makes every written key durable). A failure (a full
    /// disk) is logged: the batches themselves are durable already; only a retry after a
    /// restart could then be counted again.
    func sync(fsync: Bool, logger: Logger) {
        do {
            try log.sync(fsync: fsync)
        } catch {
            log.discardPending()
            logger.error("cannot persist retry keys: \(error)")
        }
    }

    /// Deletes segments all of whose keys were taken before `time`.
    func expire(before time: Int64) {
        while segments.count > 1, segments[1].time < time {
            segments.removeFirst()
            try? log.truncate(before: segments[0].position)
        }
    }
}
