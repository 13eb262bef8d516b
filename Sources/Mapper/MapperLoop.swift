import ClusterClient
import ClusterCore
import Codec
import Foundation
import Logging
import Model
import Storage
import Transport
import Wire
import Runtime
import ZeroMQ

/// The mapper's single thread: owns its sockets, log and aggregation state.
final class MapperLoop {
    let service: MapperService
    let stop: StopFlag
    var configuration: MapperConfiguration { service.configuration }
    var logger: Logger { service.logger }
    var metrics: MapperMetrics { service.metrics }

    let pull: Socket
    let acked: RPCServer
    let log: WriteAheadLog
    var map: PartitionMap
    var aggregator: MapperAggregator
    var watermark: Int64?

    /// Per reducer: where its next partial batch starts, what awaits acknowledgement, and how
    /// far it has applied this mapper's log.
    var nextStart: [UInt64]
    var pending: [[PendingPartial]]
    var applied: [UInt64]
    var epochs: [FlushEpoch] = []
    var flushedEnd: UInt64
    var heldReplies: [(RPCServer.Request, IngestReply)] = []

    /// Most messages taken from the sockets before the log is synced and replies sent.
    static let drainMessagesMax = 2000

    init(service: MapperService, stop: StopFlag) throws {
        self.service = service
        self.stop = stop
        let configuration = service.configuration
        pull = try Socket(service.context, .pull)
        try pull.setReceiveHighWaterMark(1000)
        try pull.bind(configuration.ingestEndpoint)
        acked = try RPCServer(context: service.context, bind: configuration.ackedEndpoint)
        log = try WriteAheadLog(directory: configuration.dataDirectory + "/wal")
        let ingest = Endpoint.advertised(try pull.lastEndpoint, host: configuration.advertisedHost)
        let ackedEndpoint = Endpoint.advertised(acked.endpoint, host: configuration.advertisedHost)
        service.boundEndpoints.withLock { $0["ingest"] = ingest; $0["acked"] = ackedEndpoint }
        service.logger.info("mapper \(configuration.id) takes batches on \(ingest) (push) and \(ackedEndpoint) (acknowledged)")

        map = try Self.waitForMap(service: service, stop: stop)
        aggregator = MapperAggregator(window: map.window, sketchMapping: map.sketchMapping,
                                      partitionCount: map.partitionCount, validator: SampleValidator(limits: configuration.validation))
        let reducers = map.reducers.count
        nextStart = Array(repeating: 0, count: reducers)
        pending = Array(repeating: [], count: reducers)
        applied = Array(repeating: 0, count: reducers)
        flushedEnd = log.endPosition
    }

    /// Heartbeats until the coordinator (or the cached map) names every reducer.
    static func waitForMap(service: MapperService, stop: StopFlag) throws -> PartitionMap {
        var warned = false
        while !stop.isStopped {
            if let map = service.link.reply?.map, map.isComplete { return map }
            service.link.beat(NodeReport(id: service.configuration.id, role: .mapper, endpoints: service.endpoints))
            if !warned {
                service.logger.info("waiting for the coordinator at \(service.configuration.coordinatorEndpoint) to know every reducer")
                warned = true
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw CancellationError()
    }

    func run() throws {
        try recover()
        service.readyFlag.store(true, ordering: .releasing)
        var nextFlush = ContinuousClock.now + .milliseconds(configuration.flushIntervalMs)
        var nextHeartbeat = ContinuousClock.now
        while !stop.isStopped {
            let now = ContinuousClock.now
            let wait = min(nextFlush, nextHeartbeat) - now
            let waitMs = max(0, min(50, Int(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)))
            let ready = try Poller.poll([.socket(pull, .readable), .socket(acked.socket, .readable), .descriptor(service.waker.descriptor, .readable)], timeoutMs: waitMs)
            if ready[2].contains(.readable) { service.waker.drain() }
            try drainIngest()
            handleEvents()
            if ContinuousClock.now >= nextFlush || aggregator.openStateCount >= configuration.openStatesMax {
                flush()
                nextFlush = ContinuousClock.now + .milliseconds(configuration.flushIntervalMs)
            }
            sendPending()
            if ContinuousClock.now >= nextHeartbeat {
                heartbeat()
                nextHeartbeat = ContinuousClock.now + .milliseconds(configuration.heartbeatIntervalMs)
            }
        }
        try shutdown()
    }

    // MARK: Ingest

    func drainIngest() throws {
        var taken = 0
        while taken < Self.drainMessagesMax, let parts = try pull.receiveMultipart(blocking: false) {
            taken += 1
            metrics.batchesPush.increment()
            guard parts.count <= 2 else {
                metrics.rejectedBatch("malformed_message")
                continue
            }
            guard refusal(of: parts.count == 2 ? parts[1] : nil, frame: parts[0]) == nil else { continue }
            _ = ingest(parts[0])
        }
        while taken < Self.drainMessagesMax, let request = try acked.receive() {
            taken += 1
            guard request.method == "samples" else {
                acked.fail(request, "unknown method '\(request.method)'; a mapper answers 'samples'")
                continue
            }
            metrics.batchesAcked.increment()
            if let refusal = refusal(of: request.credential, frame: request.body) {
                let id = (try? Frame.header(of: request.body).batchID) ?? 0
                acked.reply(request, JSONWire.encode(IngestReply(batchID: id, accepted: 0, rejected: 0, errors: [], batchError: refusal)))
                continue
            }
            heldReplies.append((request, ingest(request.body)))
        }
        if taken > 0 { metrics.ingestMessagesPerTurn.record(Double(taken)) }
        guard log.hasPending || !heldReplies.isEmpty else { return }
        try log.sync()
        metrics.walBytes.set(Double(log.sizeBytes))
        for (request, reply) in heldReplies { acked.reply(request, JSONWire.encode(reply)) }
        heldReplies.removeAll(keepingCapacity: true)
    }

    /// Why a batch `frame` sent with `token` is refused, or `nil` when it may be taken. A refused
    /// batch is counted, and so are its samples (by its header's count) under the same reason.
    func refusal(of token: [UInt8]?, frame: [UInt8]) -> String? {
        let decision = configuration.tokens.check(token, needs: .write)
        guard decision != .allowed else { return nil }
        metrics.rejectedBatch(decision.rawValue)
        if let header = try? Frame.header(of: frame) {
            metrics.samplesReceived.increment(by: Int64(header.itemCount))
            metrics.rejected(decision.rawValue, count: Int(header.itemCount))
        }
        return decision == .unauthorized
            ? "unauthorized: this mapper requires a token with the 'write' scope as the message's last part"
            : "forbidden: the token lacks the 'write' scope"
    }

    /// Decodes, logs and aggregates one batch frame.
    func ingest(_ frame: [UInt8]) -> IngestReply {
        let batch: SampleBatch
        do {
            batch = try SampleBatch.decode(frame)
        } catch {
            metrics.rejectedBatch(error.reason)
            let id = (try? Frame.header(of: frame).batchID) ?? 0
            logger.debug("rejected batch: \(error)")
            return IngestReply(batchID: id, accepted: 0, rejected: 0, errors: [], batchError: error.description)
        }
        let arrival = WallClock.now()
        var record = ByteWriter(capacity: 8 + frame.count)
        record.append(arrival.nanoseconds)
        record.append(bytes: frame)
        log.append(record.bytes)
        let outcome = aggregator.add(batch, arrival: arrival)
        metrics.samplesReceived.increment(by: Int64(batch.count))
        metrics.samplesAccepted.increment(by: Int64(outcome.accepted))
        for (reason, count) in outcome.rejectedByReason { metrics.rejected(reason.rawValue, count: count) }
        return IngestReply(batchID: batch.id, accepted: outcome.accepted, rejected: outcome.rejected,
                           errors: outcome.details.map { .init(index: $0.index, reason: $0.error.reason.rawValue, error: $0.error.message) })
    }

    // MARK: Recovery

    /// Asks every reducer how far it applied this mapper's log, then re-aggregates the rest.
    func recover() throws {
        var known = [UInt64?](repeating: nil, count: map.reducers.count)
        var lastAsk = ContinuousClock.now - .seconds(10)
        while known.contains(where: { $0 == nil }) {
            if stop.isStopped { throw CancellationError() }
            if ContinuousClock.now - lastAsk > .seconds(2) {
                lastAsk = .now
                for ordinal in known.indices where known[ordinal] == nil {
                    askApplied(ordinal)
                }
            }
            _ = try? Poller.poll([.descriptor(service.waker.descriptor, .readable)], timeoutMs: 100)
            service.waker.drain()
            for event in service.takeEvents() {
                if case .applied(let reducer, let position) = event { known[reducer] = position }
                if case .heartbeat(let reply) = event { updateMap(reply) }
            }
        }
        applied = known.map { $0! }
        let from = applied.min() ?? log.endPosition
        var replayed = 0
        try log.replay(from: from) { end, record in
            let start = end - UInt64(8 + record.count)
            var reader = ByteReader(record, subject: "mapper log record")
            let arrival = Timestamp(nanoseconds: try reader.read(Int64.self, "arrival time"))
            guard let batch = try? SampleBatch.decode(Array(record[8...])) else { return }
            _ = aggregator.add(batch, arrival: arrival) { [map, applied] partition in
                start >= applied[map.reducerOrdinal(ofPartition: partition)]
            }
            replayed += batch.count
        }
        for ordinal in applied.indices { nextStart[ordinal] = max(applied[ordinal], log.startPosition) }
        flushedEnd = from
        if log.endPosition > from {
            logger.info("replayed \(replayed) samples of the log from position \(from) to \(log.endPosition)")
            flush()
        }
        for ordinal in nextStart.indices { nextStart[ordinal] = log.endPosition }
    }

    func askApplied(_ ordinal: Int) {
        guard let address = map.reducers[ordinal] else { return }
        service.client.send(to: address.partials, method: "applied", body: JSONWire.encode(AppliedRequest(origin: configuration.id)),
                            timeout: .seconds(2)) { [service] result in
            if case .success(let bytes) = result, let reply = try? JSONWire.decode(AppliedReply.self, from: bytes) {
                service.post(.applied(reducer: ordinal, position: reply.applied))
            }
        }
    }

    // MARK: Flushing

    /// Hands everything aggregated since the last flush to the reducers, as one partial batch
    /// per reducer covering the log range since its previous batch.
    func flush() {
        let end = log.endPosition
        let now = WallClock.now().nanoseconds
        guard end > flushedEnd else {
            if epochs.isEmpty && pending.allSatisfy(\.isEmpty) { advanceWatermark(to: now) }
            return
        }
        let start = ContinuousClock.now
        let groups = aggregator.drain(reducerCount: map.reducers.count) { [map] in map.reducerOrdinal(ofPartition: $0) }
        for (ordinal, rows) in groups.enumerated() {
            let batch = PartialBatch(id: end, origin: configuration.id, sequenceStart: nextStart[ordinal], sequenceEnd: end,
                                     windowNanoseconds: map.windowNanoseconds, sketchMapping: map.sketchMapping,
                                     series: rows.series, rows: rows.rows)
            pending[ordinal].append(PendingPartial(end: end, frame: batch.encode(), rowCount: rows.rows.count, sentAt: nil))
            nextStart[ordinal] = end
        }
        epochs.append(FlushEpoch(end: end, cutTime: now))
        flushedEnd = end
        let elapsed = ContinuousClock.now - start
        metrics.flushSeconds.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        metrics.openWindows.set(Double(0))
    }

    /// Sends each reducer's oldest unacknowledged batch, again if it timed out.
    func sendPending() {
        let now = ContinuousClock.now
        var total = 0
        for ordinal in pending.indices {
            total += pending[ordinal].count
            guard var head = pending[ordinal].first, let address = map.reducers[ordinal] else { continue }
            if let sentAt = head.sentAt, now - sentAt < .milliseconds(configuration.partialTimeoutMs) { continue }
            head.sentAt = now
            pending[ordinal][0] = head
            let end = head.end
            metrics.partialsSent.increment()
            metrics.partialRowsSent.increment(by: Int64(head.rowCount))
            service.client.send(to: address.partials, method: "partials", body: head.frame,
                                timeout: .milliseconds(configuration.partialTimeoutMs)) { [service] result in
                switch result {
                case .success(let bytes):
                    let position = (try? JSONWire.decode(AppliedReply.self, from: bytes))?.applied ?? end
                    service.post(.acknowledged(reducer: ordinal, end: max(position, end)))
                case .failure(let error):
                    service.post(.partialFailed(reducer: ordinal, end: end, error: error.description))
                }
            }
        }
        metrics.pendingPartials.set(Double(total))
    }

    func handleEvents() {
        for event in service.takeEvents() {
            switch event {
            case .acknowledged(let reducer, let end):
                pending[reducer].removeAll { $0.end <= end }
                applied[reducer] = max(applied[reducer], end)
                acknowledgementsChanged()
            case .partialFailed(let reducer, let end, let error):
                // Retry sooner than the timeout: mark the head as sent long ago.
                if let index = pending[reducer].firstIndex(where: { $0.end == end }) {
                    pending[reducer][index].sentAt = ContinuousClock.now - .milliseconds(configuration.partialTimeoutMs - 500)
                }
                logger.debug("partial batch to reducer \(reducer) failed: \(error); will retry")
            case .applied:
                break
            case .heartbeat(let reply):
                updateMap(reply)
            }
        }
    }

    /// Advances the watermark past fully acknowledged flushes and drops log segments every
    /// reducer has applied.
    func acknowledgementsChanged() {
        let everywhere = applied.min() ?? 0
        while let first = epochs.first, first.end <= everywhere {
            advanceWatermark(to: first.cutTime)
            epochs.removeFirst()
        }
        try? log.truncate(before: everywhere)
        metrics.walBytes.set(Double(log.sizeBytes))
    }

    func advanceWatermark(to time: Int64) {
        watermark = max(watermark ?? .min, time)
        metrics.watermarkLag.set(Double(WallClock.now().nanoseconds - watermark!) / 1e9)
    }

    func updateMap(_ reply: HeartbeatReply) {
        guard reply.map.version != map.version, reply.map.reducers.count == map.reducers.count else { return }
        map.reducers = reply.map.reducers
        map.version = reply.map.version
    }

    func heartbeat() {
        let report = NodeReport(id: configuration.id, role: .mapper, endpoints: service.endpoints, watermark: watermark,
                                figures: ["open_windows": Double(aggregator.openStateCount), "wal_bytes": Double(log.sizeBytes),
                                          "pending_partials": Double(pending.reduce(0) { $0 + $1.count })])
        metrics.openWindows.set(Double(aggregator.openStateCount))
        service.link.beat(report) { [service] reply in service.post(.heartbeat(reply)) }
    }

    /// Flushes what is in memory and gives reducers a few seconds to acknowledge it; anything
    /// unacknowledged is still in the log and is replayed at the next start.
    func shutdown() throws {
        try drainIngest()
        flush()
        let deadline = ContinuousClock.now + .seconds(5)
        while pending.contains(where: { !$0.isEmpty }) && ContinuousClock.now < deadline {
            sendPending()
            _ = try? Poller.poll([.descriptor(service.waker.descriptor, .readable)], timeoutMs: 50)
            service.waker.drain()
            handleEvents()
        }
        try log.sync()
        pull.close()
        acked.socket.close()
        logger.info("mapper \(configuration.id) stopped; log ends at \(log.endPosition)")
    }
}
