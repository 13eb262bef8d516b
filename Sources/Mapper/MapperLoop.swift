import ClusterClient
import ClusterCore
import Codec
import Foundation
import Ingest
import Logging
import Model
import Runtime
import Storage
import Transport
import Wire

/// The mapper's single thread: the shell around `MapperDelivery`. It owns the sockets, the log
/// and the retry table's log, turns them and an injected clock into the machine's events, and
/// carries out its directives. A batch is aggregated only once it is durably logged, so a
/// failed sync (a full disk) refuses the batch and leaves nothing behind.
final class MapperLoop {
    let service: MapperService
    let stop: StopFlag
    let clock: any RoleClock
    var configuration: MapperConfiguration { service.configuration }
    var logger: Logger { service.logger }
    var metrics: MapperMetrics { service.metrics }

    let pull: PullReceiver
    let acked: RPCServer
    let log: WriteAheadLog
    let retryLog: RetryLog
    let quarantine: Quarantine
    var delivery: MapperDelivery
    var retries: RetryTable

    /// A batch appended to the log this turn, applied and answered once it is synced: a decoded
    /// batch, or a line protocol body's staged samples with what its lines held.
    struct Held {
        enum Content {
            case batch(SampleBatch)
            case lines(LineReport, staged: Range<Int>)
        }
        var request: RPCServer.Request?
        var id: UInt64
        var producerKey: ProducerKey?
        /// Samples it holds (taken or to fold).
        var count: Int
        var arrival: Timestamp
        var content: Content
    }
    var held: [Held] = []
    /// Remembers, across bodies, the series of line prefixes.
    var lineReader = LineReader()
    var remoteWriteReader = RemoteWriteReader()
    /// The keys of the held batches, and retries of them that came in the same turn.
    var heldKeys = Set<ProducerKey>()
    var heldRetries: [(request: RPCServer.Request, key: ProducerKey)] = []
    var resynchronise = false
    /// Whether the last log sync failed: the failure is logged once, and so is the recovery.
    var logFailing = false

    /// Most samples taken from the sockets before the log is synced, the samples aggregated and
    /// replies sent: a turn's work is bounded by samples, so flushes stay on time whatever the
    /// size of the batches.
    static let drainSamplesMax = 200_000
    /// A log this large whose every record is acknowledged is rotated away.
    static let rotateIdleLogBytes: UInt64 = 1 << 20
    /// Most messages taken in one turn, whatever their size.
    static let drainMessagesMax = 2000

    init(service: MapperService, stop: StopFlag, clock: any RoleClock = SystemRoleClock()) throws {
        self.service = service
        self.stop = stop
        self.clock = clock
        let configuration = service.configuration
        pull = try PullReceiver(context: service.context, bind: configuration.ingestEndpoint, queuedMax: 1000)
        // Producers' endpoint: they present write tokens (checked here), not the cluster secret.
        acked = try RPCServer(context: service.context, bind: configuration.ackedEndpoint)
        log = try WriteAheadLog(directory: configuration.dataDirectory + "/wal")
        retryLog = try RetryLog(directory: configuration.dataDirectory + "/retries")
        quarantine = Quarantine(directory: configuration.dataDirectory + "/quarantine")
        retries = RetryTable(windowNanoseconds: Int64(configuration.retryWindowSeconds) * 1_000_000_000, keysMax: configuration.retryKeysMax)
        let ingest = Endpoint.advertised(pull.endpoint, host: configuration.advertisedHost)
        let ackedEndpoint = Endpoint.advertised(acked.endpoint, host: configuration.advertisedHost)
        service.boundEndpoints.withLock {
            $0["ingest"] = ingest
            $0["acked"] = ackedEndpoint
            $0["http"] = configuration.statusURL
        }
        service.logger.info("mapper \(configuration.id) takes batches on \(ingest) (push) and \(ackedEndpoint) (acknowledged)")

        let map = try Self.waitForMap(service: service, stop: stop)
        let aggregator = MapperAggregator(window: map.window, sketchMapping: map.sketchMapping,
                                          partitionCount: map.partitionCount, validator: SampleValidator(limits: configuration.validation),
                                          limits: configuration.seriesLimits)
        delivery = MapperDelivery(origin: configuration.id, map: map, aggregator: aggregator, logEnd: log.endPosition,
                                  resendAfterNanoseconds: Int64(configuration.partialTimeoutMs) * 1_000_000)
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
        let remembered = retryLog.load(into: &retries, now: clock.wallNanoseconds)
        if remembered > 0 { logger.info("remembers the acknowledgements of \(remembered) keyed batches for retries") }
        try recover()
        service.readyFlag.store(true, ordering: .releasing)
        let flushInterval = Int64(configuration.flushIntervalMs) * 1_000_000
        var nextFlush = clock.monotonicNanoseconds + flushInterval
        var nextHeartbeat = clock.monotonicNanoseconds
        while !stop.isStopped {
            let wait = min(nextFlush, nextHeartbeat) - clock.monotonicNanoseconds
            let waitMs = Int(max(0, min(50, wait / 1_000_000)))
            _ = try Readiness.wait([.pull(pull), .server(acked), .waker(service.waker)], timeoutMs: waitMs)
            try drainIngest()
            handleEvents()
            if resynchronise {
                resynchronise = false
                logger.warning("a reducer has applied more of this mapper's log than assumed, or the map has new owners this mapper was not fenced for; resynchronising from the reducers' applied positions")
                try recover()
            }
            if clock.monotonicNanoseconds >= nextFlush || delivery.aggregator.openStateCount >= configuration.openStatesMax {
                flush()
                nextFlush = clock.monotonicNanoseconds + flushInterval
            }
            perform(delivery.due(now: clock.monotonicNanoseconds))
            metrics.pendingPartials.set(Double(delivery.pendingCount))
            if clock.monotonicNanoseconds >= nextHeartbeat {
                heartbeat()
                retryLog.sync(fsync: true, logger: logger)
                retryLog.expire(before: clock.wallNanoseconds - retries.windowNanoseconds)
                retries.expire(now: clock.wallNanoseconds)
                nextHeartbeat = clock.monotonicNanoseconds + Int64(configuration.heartbeatIntervalMs) * 1_000_000
            }
        }
        try shutdown()
    }

    // MARK: Ingest

    func drainIngest() throws {
        var taken = 0
        var samples = 0
        while taken < Self.drainMessagesMax, samples < Self.drainSamplesMax, let parts = try pull.receive() {
            taken += 1
            metrics.batchesPush.increment()
            guard parts.count <= 2 else {
                metrics.rejectedBatch("malformed_message")
                continue
            }
            guard refusal(of: parts.count == 2 ? parts[1] : nil, frame: parts[0]) == nil else { continue }
            if case .batch(let batch) = decode(parts[0]) {
                samples += batch.count
                take(batch, frame: parts[0], request: nil)
            }
        }
        while taken < Self.drainMessagesMax, samples < Self.drainSamplesMax, let request = try acked.receive() {
            taken += 1
            switch InternalMethod(request) {
            case .samples:
                metrics.batchesAcked.increment()
                if let refusal = refusal(of: request.credential, frame: request.body) {
                    let id = (try? Frame.header(of: request.body).batchID) ?? 0
                    reply(request, IngestReply(batchID: id, accepted: 0, rejected: 0, errors: [], batchError: refusal))
                    continue
                }
                switch decode(request.body) {
                case .batch(let batch):
                    samples += batch.count
                    take(batch, frame: request.body, request: request)
                case .refused(let reply):
                    self.reply(request, reply)
                }
            case .lines:
                metrics.batchesAcked.increment()
                if let refusal = refusal(of: request.credential, frame: nil) {
                    reply(request, IngestReply(batchID: 0, accepted: 0, rejected: 0, errors: [], batchError: refusal))
                    continue
                }
                do {
                    samples += takeLines(try LinesCall.decode(request.body), request: request)
                } catch {
                    metrics.rejectedBatch("invalid")
                    reply(request, IngestReply(batchID: 0, accepted: 0, rejected: 0, errors: [], batchError: error.description))
                }
            case .retryLookup:
                if let refusal = refusal(of: request.credential, frame: nil) {
                    acked.fail(request, refusal)
                    continue
                }
                do {
                    acked.reply(request, RetryLookup.self, retries.reply(for: try RetryLookup.decode(request.body).key))
                } catch {
                    acked.fail(request, error.description)
                }
            default:
                acked.fail(request, "unknown method '\(request.method)'; a mapper answers 'samples', 'lines' and 'retry_lookup'")
            }
        }
        if taken > 0 { metrics.ingestMessagesPerTurn.record(Double(taken)) }
        commitHeld()
    }

    /// Logs a decoded batch (held until the sync), or answers a retry of a batch seen before.
    func take(_ batch: SampleBatch, frame: [UInt8], request: RPCServer.Request?) {
        if answeredAsRetry(batch.producerKey, request) { return }
        let arrival = Timestamp(nanoseconds: clock.wallNanoseconds)
        appendRecord(frame, arrival: arrival)
        hold(Held(request: request, id: batch.id, producerKey: batch.producerKey, count: batch.count, arrival: arrival, content: .batch(batch)))
    }

    /// Reads a line protocol body (or answers a retry of one seen before): its good samples are
    /// staged and logged as a sample batch of their own (what a replay reads), held until the
    /// sync. Returns the samples taken.
    func takeLines(_ call: LinesCall, request: RPCServer.Request) -> Int {
        if answeredAsRetry(call.producerKey, request) { return 0 }
        let arrival = Timestamp(nanoseconds: clock.wallNanoseconds)
        let start = delivery.stagedCount
        let report: LineReport
        switch call.format {
        case .lineProtocol:
            report = call.body.withUnsafeBufferPointer { delivery.read(lines: $0, with: &lineReader, precision: call.precision, arrival: arrival) }
        case .remoteWrite:
            do {
                report = try call.body.withUnsafeBytes { (raw) throws(DecodeError) in try delivery.read(remoteWrite: raw, with: &remoteWriteReader, arrival: arrival) }
            } catch {
                metrics.rejectedBatch("invalid")
                reply(request, IngestReply(batchID: call.batchID, accepted: 0, rejected: 0, errors: [], batchError: "malformed remote_write request: \(error)"))
                return 0
            }
        }
        let staged = start..<delivery.stagedCount
        appendRecord(delivery.stagedFrame(staged, id: call.batchID, producerKey: call.producerKey), arrival: arrival)
        hold(Held(request: request, id: call.batchID, producerKey: call.producerKey, count: staged.count, arrival: arrival,
                  content: .lines(report, staged: staged)))
        return staged.count
    }

    /// Answers a retry of a batch logged before (or held this turn), and returns whether it was one.
    func answeredAsRetry(_ key: ProducerKey?, _ request: RPCServer.Request?) -> Bool {
        guard let key else { return false }
        if let first = retries.reply(for: key) {
            metrics.retriesAnswered.increment()
            if let request { reply(request, first) }
            return true
        }
        if heldKeys.contains(key) {
            metrics.retriesAnswered.increment()
            if let request { heldRetries.append((request, key)) }
            return true
        }
        return false
    }

    /// Appends a log record: the arrival time, then the batch frame.
    func appendRecord(_ frame: [UInt8], arrival: Timestamp) {
        var record = ByteWriter(capacity: 8 + frame.count)
        record.append(arrival.nanoseconds)
        record.append(bytes: frame)
        log.append(record.bytes)
    }

    func hold(_ item: Held) {
        held.append(item)
        if let key = item.producerKey { heldKeys.insert(key) }
    }

    /// Syncs the log; then the held batches are durable: aggregated, remembered for retries and
    /// answered. If the sync fails, none of them was taken, and each is refused.
    func commitHeld() {
        guard !held.isEmpty else { return }
        defer {
            delivery.clearStaged()
            held.removeAll(keepingCapacity: true)
            heldKeys.removeAll(keepingCapacity: true)
            heldRetries.removeAll(keepingCapacity: true)
        }
        do {
            try log.sync()
        } catch {
            log.discardPending()
            let reason = error.refusal(of: "the batch")
            if !logFailing { logger.error("\(reason); refusing batches until the log can be written (counted in windrow_rejected_samples_total)") }
            logFailing = true
            let label = error.isNoSpace ? "insufficient_storage" : "log_write_failed"
            for item in held {
                metrics.samplesReceived.increment(by: Int64(item.count))
                metrics.rejected(label, count: item.count)
                metrics.rejectedBatch(label)
                if let request = item.request { reply(request, IngestReply(batchID: item.id, accepted: 0, rejected: 0, errors: [], batchError: reason)) }
            }
            for (request, _) in heldRetries { reply(request, IngestReply(batchID: 0, accepted: 0, rejected: 0, errors: [], batchError: reason)) }
            return
        }
        if logFailing {
            logger.notice("the log is written again; batches are taken")
            logFailing = false
        }
        metrics.walBytes.set(Double(log.sizeBytes))
        var answers = [(RPCServer.Request, [UInt8])]()
        for item in held {
            let answer: IngestReply
            switch item.content {
            case .lines(let report, let staged):
                delivery.logged(staged: staged, arrival: item.arrival)
                metrics.samplesReceived.increment(by: Int64(report.taken + report.refused))
                metrics.samplesAccepted.increment(by: Int64(report.taken))
                for (reason, count) in report.rejectedByReason { metrics.rejected(reason.rawValue, count: count) }
                metrics.stringFieldsSkipped.increment(by: Int64(report.stringFieldsSkipped))
                metrics.staleMarkersSkipped.increment(by: Int64(report.staleMarkersSkipped))
                metrics.histogramsSkipped.increment(by: Int64(report.histogramsSkipped))
                answer = Self.answer(id: item.id, report)
            case .batch(let batch):
                let outcome = delivery.logged(batch, arrival: item.arrival)
                metrics.samplesReceived.increment(by: Int64(batch.count))
                metrics.samplesAccepted.increment(by: Int64(outcome.accepted))
                for (reason, count) in outcome.rejectedByReason { metrics.rejected(reason.rawValue, count: count) }
                answer = Self.answer(batch, outcome)
            }
            let encoded = SamplesCall.encode(reply: answer)
            if let key = item.producerKey {
                retries.remember(key, reply: answer, time: item.arrival.nanoseconds)
                retryLog.append(key, reply: encoded, time: item.arrival.nanoseconds)
            }
            if let request = item.request { answers.append((request, encoded)) }
        }
        retryLog.sync(fsync: false, logger: logger)
        metrics.retryKeys.set(Double(retries.count))
        for (request, answer) in answers { acked.reply(request, answer) }
        for (request, key) in heldRetries {
            if let first = retries.reply(for: key) { reply(request, first) }
        }
    }

    enum Decoded {
        case batch(SampleBatch)
        case refused(IngestReply)
    }

    /// The acknowledgement of `batch` whose samples fared as `outcome` says.
    static func answer(_ batch: SampleBatch, _ outcome: IngestOutcome) -> IngestReply {
        IngestReply(batchID: batch.id, accepted: outcome.accepted, rejected: outcome.rejected,
                    errors: outcome.details.map { .init(index: $0.index, reason: $0.error.reason.rawValue, error: $0.error.message) })
    }

    /// The acknowledgement of a line protocol body: its samples taken and refused, its bad lines.
    static func answer(id: UInt64, _ report: LineReport) -> IngestReply {
        var reply = IngestReply(batchID: id, accepted: report.taken, rejected: report.refused,
                                errors: report.badLines.map { .init(index: $0.line, reason: $0.error.reason.rawValue, error: $0.error.message) })
        reply.lines = report.lines
        reply.badLines = report.badLineCount
        reply.refusal = report.firstRefusal?.message
        return reply
    }

    func reply(_ request: RPCServer.Request, _ answer: IngestReply) {
        acked.reply(request, SamplesCall.self, answer)
    }

    /// Decodes a batch frame; a refused frame is counted and answered with why.
    func decode(_ frame: [UInt8]) -> Decoded {
        do {
            return .batch(try SampleBatch.decode(frame))
        } catch {
            metrics.rejectedBatch(error.reason)
            let id = (try? Frame.header(of: frame).batchID) ?? 0
            logger.debug("rejected batch: \(error)")
            return .refused(IngestReply(batchID: id, accepted: 0, rejected: 0, errors: [], batchError: error.description))
        }
    }

    /// Why a batch `frame` (or a line protocol body, `nil`) sent with `token` is refused, or `nil`
    /// when it may be taken. A refused batch is counted, and so are a frame's samples (by its
    /// header's count) under the same reason.
    func refusal(of token: [UInt8]?, frame: [UInt8]?) -> String? {
        let decision = configuration.tokens.check(token, needs: .write)
        guard decision != .allowed else { return nil }
        metrics.rejectedBatch(decision.rawValue)
        if let frame, let header = try? Frame.header(of: frame) {
            metrics.samplesReceived.increment(by: Int64(header.itemCount))
            metrics.rejected(decision.rawValue, count: Int(header.itemCount))
        }
        return decision == .unauthorized
            ? "unauthorized: this mapper requires a token with the 'write' scope as the message's last part"
            : "forbidden: the token lacks the 'write' scope"
    }

    // MARK: Recovery

    /// Asks every reducer how far it applied this mapper's log, then re-aggregates the rest.
    func recover() throws {
        var known = [UInt64?](repeating: nil, count: delivery.reducerCount)
        var lastAsk = clock.monotonicNanoseconds - 10_000_000_000
        while known.contains(where: { $0 == nil }) {
            if stop.isStopped { throw CancellationError() }
            if clock.monotonicNanoseconds - lastAsk > 2_000_000_000 {
                lastAsk = clock.monotonicNanoseconds
                for ordinal in known.indices where known[ordinal] == nil { askApplied(ordinal) }
            }
            _ = try? Readiness.wait([.waker(service.waker)], timeoutMs: 100)
            for event in service.takeEvents() {
                if case .applied(let reducer, let epoch, let position) = event, epoch == delivery.map.epoch { known[reducer] = position }
                if case .heartbeat(let reply) = event {
                    let epoch = delivery.map.epoch
                    _ = delivery.mapChanged(reply.map)
                    // New owners: every reducer of the new map is asked afresh.
                    if delivery.map.epoch != epoch {
                        known = [UInt64?](repeating: nil, count: delivery.reducerCount)
                        lastAsk = clock.monotonicNanoseconds - 10_000_000_000
                    }
                }
            }
        }
        let from = delivery.recover(applied: known.map { $0! }, logStart: log.startPosition)
        var replayed = 0
        try log.replay(from: from, corrupt: { [self] position, length in
            quarantineRecord("log record at position \(position) (\(length) bytes) fails its checksum; its samples are lost")
        }) { end, record in
            let start = end - UInt64(8 + record.count)
            var reader = ByteReader(record, subject: "mapper log record")
            do {
                let arrival = Timestamp(nanoseconds: try reader.read(Int64.self, "arrival time"))
                let batch = try SampleBatch.decode(Array(record[8...]))
                let outcome = delivery.replayed(batch, arrival: arrival, start: start)
                replayed += batch.count
                // A keyed batch logged just before a crash may have missed the retry log (it is
                // synced after the main log): its key comes back from here, so a retry of it is
                // answered, not counted again. Such a batch was never flushed, so the outcome of
                // its replay is its whole answer.
                if let key = batch.producerKey, retries.reply(for: key) == nil {
                    let answer = Self.answer(batch, outcome)
                    retries.remember(key, reply: answer, time: arrival.nanoseconds)
                    retryLog.append(key, reply: SamplesCall.encode(reply: answer), time: arrival.nanoseconds)
                }
            } catch {
                quarantine.keep(record, name: "wal-\(start).record")
                quarantineRecord("log record at position \(start) does not decode: \(error); kept as quarantine/wal-\(start).record")
            }
        }
        retryLog.sync(fsync: true, logger: logger)
        if log.endPosition > from { logger.info("replayed \(replayed) samples of the log from position \(from) to \(log.endPosition)") }
        perform(delivery.recovered(logEnd: log.endPosition, cutTime: clock.wallNanoseconds))
    }

    func quarantineRecord(_ line: String) {
        metrics.quarantinedRecords.increment()
        quarantine.record(["mapper log: " + line], time: RFC3339.format(Timestamp(nanoseconds: clock.wallNanoseconds)))
        logger.error("quarantined \(line)")
    }

    func askApplied(_ ordinal: Int) {
        guard let address = delivery.map.reducers[ordinal] else { return }
        let epoch = delivery.map.epoch
        service.client.send(AppliedRequest(origin: configuration.id), to: address.partials, timeout: .seconds(2)) { [service] result in
            if case .success(let reply) = result {
                service.post(.applied(reducer: ordinal, epoch: epoch, position: reply.applied))
            }
        }
    }

    // MARK: Delivery

    func flush() {
        let start = clock.monotonicNanoseconds
        perform(delivery.flush(logEnd: log.endPosition, cutTime: clock.wallNanoseconds))
        metrics.flushSeconds.recordNanoseconds(clock.monotonicNanoseconds - start)
        metrics.openWindows.set(Double(delivery.aggregator.openStateCount))
    }

    func perform(_ directives: [MapperDelivery.Directive]) {
        for directive in directives {
            switch directive {
            case .send(let ordinal, let end, let frame, let rowCount):
                guard let address = delivery.map.reducers[ordinal] else { continue }
                metrics.partialsSent.increment()
                metrics.partialRowsSent.increment(by: Int64(rowCount))
                let epoch = delivery.map.epoch
                service.client.send(PartialsCall(frame: frame), to: address.partials,
                                    timeout: .milliseconds(configuration.partialTimeoutMs)) { [service] result in
                    switch result {
                    case .success(let reply):
                        service.post(.acknowledged(reducer: ordinal, epoch: epoch, applied: reply.applied))
                    case .failure(let error):
                        service.post(.partialFailed(reducer: ordinal, epoch: epoch, end: end, error: error.description))
                    }
                }
            case .truncateLog(let position):
                // Everything acknowledged: a fresh segment lets the whole log go, so an idle
                // mapper keeps no more than it must.
                if position >= log.endPosition, log.sizeBytes >= Self.rotateIdleLogBytes { try? log.rotate() }
                try? log.truncate(before: position)
                metrics.walBytes.set(Double(log.sizeBytes))
            case .watermark(let time):
                metrics.watermarkLag.set(Double(clock.wallNanoseconds - time) / 1e9)
            case .resynchronise:
                resynchronise = true
            }
        }
    }

    func handleEvents() {
        for event in service.takeEvents() {
            switch event {
            case .acknowledged(let reducer, let epoch, let position):
                guard epoch == delivery.map.epoch else { continue }
                perform(delivery.acknowledged(reducer: reducer, applied: position))
            case .partialFailed(let reducer, let epoch, let end, let error):
                guard epoch == delivery.map.epoch else { continue }
                let overlap = error.hasPrefix("overlap:")
                perform(delivery.failed(reducer: reducer, end: end, overlap: overlap, now: clock.monotonicNanoseconds,
                                        retryAfterNanoseconds: 500_000_000))
                logger.debug("partial batch to reducer \(reducer) failed: \(error); will retry")
            case .applied:
                break
            case .heartbeat(let reply):
                perform(delivery.mapChanged(reply.map))
                delivery.clusterFull(reply.seriesFull ?? false)
            }
        }
    }

    func heartbeat() {
        var report = NodeReport(id: configuration.id, role: .mapper, endpoints: service.endpoints, watermark: delivery.watermark,
                                figures: ["open_windows": Double(delivery.aggregator.openStateCount), "wal_bytes": Double(log.sizeBytes),
                                          "pending_partials": Double(delivery.pendingCount), "retry_keys": Double(retries.count),
                                          "series": Double(delivery.aggregator.seriesCount)])
        report.fenced = delivery.fenced
        metrics.openWindows.set(Double(delivery.aggregator.openStateCount))
        service.link.beat(report) { [service] reply in service.post(.heartbeat(reply)) }
    }

    /// Flushes what is in memory and gives reducers a few seconds to acknowledge it; anything
    /// unacknowledged is still in the log and is replayed at the next start.
    func shutdown() throws {
        try drainIngest()
        flush()
        let deadline = clock.monotonicNanoseconds + 5_000_000_000
        while delivery.pendingCount > 0 && clock.monotonicNanoseconds < deadline {
            perform(delivery.due(now: clock.monotonicNanoseconds))
            _ = try? Readiness.wait([.waker(service.waker)], timeoutMs: 50)
            handleEvents()
        }
        try? log.sync()
        retryLog.sync(fsync: true, logger: logger)
        pull.close()
        acked.close()
        logger.info("mapper \(configuration.id) stopped; log ends at \(log.endPosition)")
    }
}
