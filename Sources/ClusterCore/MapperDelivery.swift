import Aggregation
import Codec
import Ingest
import Model
import Wire

/// The mapper's side of the delivery protocol, as a pure state machine: events in (a batch was
/// logged, a tick, an acknowledgement, a failure, a reducer's applied position), directives
/// out (send, truncate the log, report a watermark, resynchronise). No sockets, files or
/// clocks: `MapperLoop` is the shell that turns those into events, and the seeded simulation
/// drives this same machine with faults.
///
/// The protocol: every logged batch has a log position. A flush cuts the log at its end and
/// hands each reducer one partial batch covering the range since its previous one, so the
/// ranges a reducer sees are contiguous. A reducer acknowledges the end it has applied; the
/// log is truncated below the smallest applied end, and the watermark advances to the cut
/// time of every flush that all reducers have applied. After a restart, each reducer's
/// applied position says which logged batches still have to be re-aggregated for it.
public struct MapperDelivery: Sendable {
    /// A partial batch waiting for its reducer's acknowledgement.
    public struct Pending: Sendable {
        public var end: UInt64
        public var frame: [UInt8]
        public var rowCount: Int
        /// When it was last sent (monotonic ns), `nil` before the first send.
        public var sentAt: Int64?
    }

    /// What the shell must do.
    public enum Directive: Equatable, Sendable {
        /// Send `frame` (covering the log up to `end`) to reducer `reducer`.
        case send(reducer: Int, end: UInt64, frame: [UInt8], rowCount: Int)
        /// Delete log segments below `position`: every reducer has applied them.
        case truncateLog(before: UInt64)
        /// Everything logged before this wall-clock time (ns) is applied everywhere.
        case watermark(Int64)
        /// A reducer has applied more than this machine assumed (it refused an overlap): start
        /// over from the reducers' applied positions, as after a restart.
        case resynchronise
    }

    public let origin: String
    public private(set) var map: PartitionMap {
        didSet { router = PartitionRouter(map) }
    }
    /// The map's routing of series to reducers, as arrays.
    private var router: PartitionRouter
    /// How long an unacknowledged partial waits before it is sent again, ns.
    public let resendAfterNanoseconds: Int64
    public private(set) var aggregator: MapperAggregator
    public private(set) var pending: [[Pending]]
    /// Per reducer: how far it has applied this mapper's log.
    public private(set) var applied: [UInt64]
    public private(set) var watermark: Int64?
    private var nextStart: [UInt64]
    private var epochs: [(end: UInt64, cutTime: Int64)] = []
    private var flushedEnd: UInt64
    /// The handover whose one flush on entering its fence was cut.
    private var fenceFlushed: UInt64?

    /// A machine for a mapper whose log ends at `logEnd`; `recover` must run before batches flow.
    /// The coordinator says whether the cluster holds its limit of series: while it does, no
    /// new series is taken.
    public mutating func clusterFull(_ full: Bool) {
        aggregator.clusterFull = full
    }

    public init(origin: String, map: PartitionMap, aggregator: MapperAggregator, logEnd: UInt64, resendAfterNanoseconds: Int64) {
        self.origin = origin
        self.map = map
        router = PartitionRouter(map)
        self.aggregator = aggregator
        self.resendAfterNanoseconds = resendAfterNanoseconds
        let reducers = map.reducers.count
        pending = Array(repeating: [], count: reducers)
        applied = Array(repeating: 0, count: reducers)
        nextStart = Array(repeating: logEnd, count: reducers)
        flushedEnd = logEnd
    }

    public var reducerCount: Int { map.reducers.count }

    /// Partial batches awaiting acknowledgement, over every reducer.
    public var pendingCount: Int { pending.reduce(0) { $0 + $1.count } }

    // MARK: Recovery

    /// Every reducer's applied position is known: returns where the log's replay starts (the
    /// smallest of them). Call `replayed` for each record from there, then `recovered`.
    public mutating func recover(applied positions: [UInt64], logStart: UInt64) -> UInt64 {
        precondition(positions.count == reducerCount, "one applied position per reducer")
        applied = positions
        pending = Array(repeating: [], count: reducerCount)
        epochs = []
        aggregator.discardOpenStates()
        let from = positions.min() ?? logStart
        for ordinal in positions.indices { nextStart[ordinal] = Swift.max(positions[ordinal], logStart) }
        flushedEnd = from
        return Swift.max(from, logStart)
    }

    /// A logged batch read back at recovery, starting at log position `start`: re-aggregated
    /// for the reducers that have not applied it, without re-checking time bounds (it was
    /// accepted when it arrived; flags may have changed since). Returns the outcome over the
    /// samples it re-aggregated: for a batch no reducer had applied, the batch's whole answer.
    @discardableResult
    public mutating func replayed(_ batch: SampleBatch, arrival: Timestamp, start: UInt64) -> IngestOutcome {
        aggregator.add(batch, arrival: arrival, trusted: true) { [router, applied] partition, seriesHash in
            start >= applied[router.slot(partition: partition, seriesHash: seriesHash)]
        }
    }

    /// Replay is done; flushes what it re-aggregated (as one batch per reducer up to `logEnd`),
    /// unless a handover holds flushes: the replayed windows then wait in memory.
    public mutating func recovered(logEnd: UInt64, cutTime: Int64) -> [Directive] {
        var directives = [Directive]()
        if logEnd > flushedEnd {
            directives += flush(logEnd: logEnd, cutTime: cutTime)
            guard flushedEnd == logEnd else { return directives }
        }
        for ordinal in nextStart.indices { nextStart[ordinal] = Swift.max(nextStart[ordinal], logEnd) }
        flushedEnd = Swift.max(flushedEnd, logEnd)
        return directives
    }

    // MARK: Ingest and flushing

    /// A batch is durably in the log, ending at `logEnd`: folds it in.
    public mutating func logged(_ batch: SampleBatch, arrival: Timestamp) -> IngestOutcome {
        aggregator.add(batch, arrival: arrival)
    }

    /// Reads a line protocol body that arrived at `arrival` with `reader`: its good samples are
    /// staged (from `stagedCount` before the call to after it) until their batch is logged.
    public mutating func read(lines body: UnsafeBufferPointer<UInt8>, with reader: inout LineReader, precision: LineProtocol.Precision,
                              arrival: Timestamp) -> LineReport {
        reader.read(body, precision: precision, validator: aggregator.validator, now: arrival, into: &aggregator)
    }

    /// Reads a remote_write `WriteRequest` as `read(lines:)` reads line protocol; a body that does
    /// not decode is refused whole, nothing of it staged.
    public mutating func read(remoteWrite body: UnsafeRawBufferPointer, with reader: inout RemoteWriteReader,
                              arrival: Timestamp) throws(DecodeError) -> LineReport {
        try reader.read(body, validator: aggregator.validator, now: arrival, into: &aggregator)
    }

    /// Samples staged by `read(lines:)` and `read(remoteWrite:)`.
    public var stagedCount: Int { aggregator.stagedCount }

    /// The frame of the staged samples `range`, for the log.
    public mutating func stagedFrame(_ range: Range<Int>, id: UInt64, producerKey: ProducerKey?) -> [UInt8] {
        aggregator.stagedFrame(range, id: id, producerKey: producerKey)
    }

    /// The batch of the staged samples `range` is durably in the log: folds them in.
    public mutating func logged(staged range: Range<Int>, arrival: Timestamp) {
        aggregator.fold(staged: range, arrival: arrival)
    }

    /// Every staged batch was folded in or refused.
    public mutating func clearStaged() {
        aggregator.clearStaged()
    }

    /// Hands everything aggregated since the last flush to the reducers: one partial batch per
    /// reducer covering the log from its previous batch to `logEnd`. `cutTime` is the wall
    /// clock now (ns): once every reducer applied this flush, the watermark may move to it.
    ///
    /// While a handover runs, flushes are held: one is cut on entering its fence (so that every
    /// reducer applies this mapper's log to one position), none after it until the new map.
    public mutating func flush(logEnd: UInt64, cutTime: Int64) -> [Directive] {
        if let handover = map.handover {
            if handover.phase == .fencing && fenceFlushed != handover.id {
                fenceFlushed = handover.id
            } else if logEnd > flushedEnd {
                return []
            }
        }
        guard logEnd > flushedEnd else {
            guard epochs.isEmpty, pending.allSatisfy(\.isEmpty) else { return [] }
            return advanceWatermark(to: cutTime)
        }
        let groups = aggregator.drain(reducerCount: reducerCount) { [router] in router.slot(partition: $0, seriesHash: $1) }
        for (ordinal, rows) in groups.enumerated() {
            let frame = PartialBatch.encode(id: logEnd, origin: origin, sequenceStart: nextStart[ordinal], sequenceEnd: logEnd,
                                            windowNanoseconds: map.windowNanoseconds, sketchMapping: map.sketchMapping,
                                            table: rows.table, rows: rows.rows)
            pending[ordinal].append(Pending(end: logEnd, frame: frame, rowCount: rows.rows.count, sentAt: nil))
            nextStart[ordinal] = logEnd
        }
        epochs.append((logEnd, cutTime))
        flushedEnd = logEnd
        return []
    }

    /// Sends each reducer's oldest unacknowledged batch: the first time, or again once it has
    /// waited `resendAfterNanoseconds` (`now` is monotonic ns). One batch in flight per reducer
    /// keeps its applied position moving in order.
    public mutating func due(now: Int64) -> [Directive] {
        var directives = [Directive]()
        for ordinal in pending.indices {
            guard let head = pending[ordinal].first else { continue }
            if let sentAt = head.sentAt, now - sentAt < resendAfterNanoseconds { continue }
            pending[ordinal][0].sentAt = now
            directives.append(.send(reducer: ordinal, end: head.end, frame: head.frame, rowCount: head.rowCount))
        }
        return directives
    }

    /// Reducer `reducer` has applied this mapper's log up to `position`.
    public mutating func acknowledged(reducer: Int, applied position: UInt64) -> [Directive] {
        pending[reducer].removeAll { $0.end <= position }
        applied[reducer] = Swift.max(applied[reducer], position)
        var directives = [Directive]()
        let everywhere = applied.min() ?? 0
        while let first = epochs.first, first.end <= everywhere {
            directives += advanceWatermark(to: first.cutTime)
            epochs.removeFirst()
        }
        directives.append(.truncateLog(before: everywhere))
        return directives
    }

    /// Sending to `reducer` failed. An overlap refusal means the reducer is ahead of what this
    /// machine believes: resynchronise. Anything else is retried soon (`retryAfterNanoseconds`
    /// from `now`, instead of the full resend timeout).
    public mutating func failed(reducer: Int, end: UInt64, overlap: Bool, now: Int64, retryAfterNanoseconds: Int64) -> [Directive] {
        if overlap { return [.resynchronise] }
        if let index = pending[reducer].firstIndex(where: { $0.end == end }) {
            pending[reducer][index].sentAt = now - resendAfterNanoseconds + retryAfterNanoseconds
        }
        return []
    }

    /// The handover this mapper holds its flushes for, once nothing it sent is unacknowledged:
    /// every reducer has then applied its log to the same position.
    public var fenced: UInt64? {
        guard let handover = map.handover, pendingCount == 0 else { return nil }
        switch handover.phase {
        case .fencing: return fenceFlushed == handover.id ? handover.id : nil
        case .copying: return handover.id
        }
    }

    /// A newer map: reducers at new addresses, a handover starting or moving on, or (a new
    /// epoch) new owners. Fenced for the handover that made them, this machine starts every
    /// reducer of the new map at the position all of the old ones had applied; otherwise it
    /// resynchronises from the reducers' applied positions, as after a restart.
    public mutating func mapChanged(_ fresh: PartitionMap) -> [Directive] {
        guard fresh.version > map.version else { return [] }
        guard fresh.epoch != map.epoch || fresh.reducers.count != map.reducers.count else {
            map = fresh
            return []
        }
        let level = map.handover != nil && pendingCount == 0
        map = fresh
        let count = fresh.reducers.count
        pending = Array(repeating: [], count: count)
        epochs = []
        fenceFlushed = nil
        applied = Array(repeating: level ? flushedEnd : 0, count: count)
        nextStart = Array(repeating: flushedEnd, count: count)
        return level ? [] : [.resynchronise]
    }

    private mutating func advanceWatermark(to time: Int64) -> [Directive] {
        guard time > (watermark ?? .min) else { return [] }
        watermark = time
        return [.watermark(time)]
    }
}
