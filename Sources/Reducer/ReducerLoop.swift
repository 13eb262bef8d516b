import Aggregation
import ClusterClient
import ClusterCore
import Foundation
import Logging
import Model
import Runtime
import Storage
import Transport
import Wire

/// The reducer's single thread: owns its sockets, log, open windows and shard files.
final class ReducerLoop {
    let service: ReducerService
    let stop: StopFlag
    let clock: any RoleClock
    var configuration: ReducerConfiguration { service.configuration }
    var logger: Logger { service.logger }
    var metrics: ReducerMetrics { service.metrics }

    let partials: RPCServer
    let queries: RPCServer
    let log: WriteAheadLog
    /// The coordinator's map as last heard, with the handover it carries.
    var map: PartitionMap
    /// This reducer's part in the handover under way.
    var handover: HandoverWork?
    /// By partition: whether partials are taken for it, and queries answered.
    var accepting: [Bool] = []
    var serving: [Bool] = []
    /// Per partition split in the map: the split, of which this reducer takes the series of
    /// its own slot only.
    var acceptingSplit: [PartitionSplit?] = []
    /// Handovers that ended with files of theirs fetched but not committed, and the fetch
    /// thread each may still run: the files go once it is done.
    var abandonedCopies: [(id: UInt64, mailbox: Mailbox<HandoverImporter.Outcome>?)] = []
    /// The map version whose releasable partitions were released.
    var releaseCheckedVersion: UInt64 = .max
    var commit: ReducerCommit<RPCServer.Request>
    var catalog: ShardCatalog
    /// The crash-safe list of shard files and the commit point (docs/shard-format.md).
    let manifest: Manifest
    /// What to compact and what retention drops.
    let planner: CompactionPlanner
    /// The descriptors of the shard files, bounded by `--open-files-max`.
    let openFiles: OpenFiles
    var checkpoint: ReducerCheckpoint
    let quarantine: Quarantine
    /// Whether the last log sync failed: the failure is logged once, and so is the recovery.
    var logFailing = false
    /// The seal being written by its thread: where its outcome arrives, when it started
    /// (monotonic ns, to time the whole seal) and how many windows it seals.
    var sealInFlight: (mailbox: Mailbox<SealWriter.Outcome>, start: Int64, rows: Int)?
    /// The compaction or retention job being run by its thread (one at a time, beside a seal).
    var maintenanceInFlight: (mailbox: Mailbox<Compactor.Outcome>, start: Int64, job: Maintenance)?
    /// The number of the last compaction (outputs are named by it).
    var compactionNumber: UInt64 = 0
    /// No compaction starts before this monotonic time (a failure backs off).
    var compactionRetryAfter: Int64 = 0
    /// Units whose outputs were committed but could not be opened: never planned again before a restart.
    var stuckUnits = Set<[String]>()
    /// When the plan was last made: catalog version, closed-day horizon, and the next time
    /// retention is looked at regardless.
    var planned: (version: Int, closedBefore: Int64)?
    var nextRetentionCheck: Int64 = 0
    /// Level gauges set so far (a level no file has any more is set to 0).
    var levelsReported = Set<UInt8>()
    /// Shard file opens counted in `/metrics` so far.
    var openedBefore = 0
    /// When the last heartbeat measured the load (monotonic ns).
    var lastHeartbeat: Int64 = 0
    /// Windows left open by the last look for sealable ones.
    var openAfterSeal = 0
    /// A seal starts before its interval once this many windows more than the last seal left
    /// open have arrived (a backfill, say): seals stay bounded, and so does the memory they copy.
    static let earlySealWindows = 200_000
    var directory: String { configuration.dataDirectory }
    var shardDirectory: String { directory + "/shards" }

    init(service: ReducerService, stop: StopFlag, clock: any RoleClock = SystemRoleClock()) throws {
        self.service = service
        self.stop = stop
        self.clock = clock
        let configuration = service.configuration
        openFiles = OpenFiles(limit: configuration.openFilesMax)
        let refusals = InternalRefusals(registry: service.metrics.registry)
        partials = try RPCServer(context: service.context, bind: configuration.partialsEndpoint, secret: configuration.clusterSecret,
                                 refused: refusals.count)
        queries = try RPCServer(context: service.context, bind: configuration.queryEndpoint, secret: configuration.clusterSecret,
                                refused: refusals.count)
        let partialsEndpoint = Endpoint.advertised(partials.endpoint, host: configuration.advertisedHost)
        let queryEndpoint = Endpoint.advertised(queries.endpoint, host: configuration.advertisedHost)
        service.boundEndpoints.withLock {
            $0["partials"] = partialsEndpoint
            $0["query"] = queryEndpoint
            $0["http"] = configuration.statusURL
        }
        log = try WriteAheadLog(directory: configuration.dataDirectory + "/wal")
        try AtomicFile.makeDirectory(configuration.dataDirectory + "/shards")
        map = try Self.waitForMap(service: service, stop: stop)
        commit = ReducerCommit(store: ReducerStore(window: map.window, sketchMapping: map.sketchMapping, partitionCount: map.partitionCount))
        let resolutions = ShardGroups.resolutions(window: map.windowNanoseconds)
        let retention = try Retention(parsing: configuration.retention, resolutions: resolutions.map { Step(nanoseconds: $0)! })
        planner = CompactionPlanner(fanIn: configuration.compactionFanIn, resolutions: resolutions, retention: retention)
        catalog = ShardCatalog(window: map.windowNanoseconds)
        catalog.retention = retention
        let directory = configuration.dataDirectory
        let window = map.windowNanoseconds
        manifest = try Manifest(directory: directory) {
            try ReducerCheckpoint.initialEdit(directory: directory, shardDirectory: directory + "/shards", window: window)
        }
        // An older reducer's commit point, now carried by the manifest.
        try AtomicFile.remove(directory + "/checkpoint.json")
        checkpoint = try ReducerCheckpoint(state: manifest.state.state)
        quarantine = Quarantine(directory: configuration.dataDirectory + "/quarantine")
        refreshOwnership()
    }

    /// Heartbeats (announcing this reducer's endpoints) until the map is known.
    static func waitForMap(service: ReducerService, stop: StopFlag) throws -> PartitionMap {
        var said = false
        while !stop.isStopped {
            if let map = service.link.reply?.map { return map }
            service.link.beat(Self.report(service, figures: [:]))
            if !said {
                service.logger.info("waiting for the coordinator at \(service.configuration.coordinatorEndpoint)")
                said = true
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw CancellationError()
    }

    static func report(_ service: ReducerService, figures: [String: Double]) -> NodeReport {
        NodeReport(id: service.configuration.id, role: .reducer, endpoints: service.endpoints, ordinal: service.configuration.ordinal, figures: figures)
    }

    func run() throws {
        try recover()
        service.readyFlag.store(true, ordering: .releasing)
        logger.info("reducer \(configuration.id) (ordinal \(configuration.ordinal)) takes partials on \(service.endpoints["partials"] ?? "?") and queries on \(service.endpoints["query"] ?? "?")")
        let heartbeatInterval = Int64(configuration.heartbeatIntervalMs) * 1_000_000
        let sealInterval = Int64(configuration.sealIntervalMs) * 1_000_000
        var nextHeartbeat = clock.monotonicNanoseconds
        var nextSeal = clock.monotonicNanoseconds + sealInterval
        while !stop.isStopped {
            _ = try Readiness.wait([.server(partials), .server(queries), .waker(service.waker)], timeoutMs: 50)
            try drainPartials()
            drainQueries()
            if clock.monotonicNanoseconds >= nextHeartbeat {
                heartbeat()
                nextHeartbeat = clock.monotonicNanoseconds + heartbeatInterval
            }
            finishSeal()
            finishMaintenance()
            handoverTurn()
            maintain()
            let early = sealInFlight == nil && commit.store.openWindowCount >= openAfterSeal + Self.earlySealWindows
            if early || clock.monotonicNanoseconds >= nextSeal {
                sealOrReport()
                nextSeal = clock.monotonicNanoseconds + sealInterval
            }
        }
        try drainPartials()
        finishSeal(wait: true)
        try? log.sync()
        partials.close()
        queries.close()
        logger.info("reducer \(configuration.id) stopped; \(commit.store.openWindowCount) open windows are in its log")
    }

    // MARK: Recovery

    /// Loads the manifest's files and the checkpoint's snapshot, drops files the manifest does
    /// not name (a seal's or compaction's that did not commit, a compaction's inputs after it
    /// did), and replays the log after the checkpoint. Replayed partials that were applied
    /// before are skipped.
    func recover() throws {
        let listed = manifest.state.files
        for path in try ShardDirectory.shardPaths(in: shardDirectory) {
            let name = String(path.split(separator: "/").last!)
            if let file = listed[name] {
                do {
                    catalog.add(try ShardReader(path: path, files: openFiles), file: file)
                } catch {
                    // Reported and set aside, never a crash loop: the rest of the data stays served.
                    guard error.isCorrupt else { throw error }
                    try AtomicFile.makeDirectory(shardDirectory + "/corrupt")
                    try AtomicFile.rename(path, to: shardDirectory + "/corrupt/" + name)
                    metrics.corruptShards.increment()
                    logger.error("shard file \(name) is corrupt and was moved to shards/corrupt/: \(error)")
                }
            } else {
                logger.info("removing \(name): the manifest does not list it (a seal or compaction that did not commit, or a compaction's input)")
                try AtomicFile.remove(path)
            }
        }
        let missing = listed.keys.filter { catalog.files[$0] == nil }.sorted()
        if !missing.isEmpty {
            logger.error("\(missing.count) shard files the manifest lists are missing or corrupt; they are taken off it: \(missing.prefix(5).joined(separator: ", "))")
            try manifest.apply(ManifestEdit(removed: missing, state: nil))
        }
        compactionNumber = listed.values.compactMap { UInt64($0.group.split(separator: "-").last?.dropFirst("c".count) ?? "") }.max() ?? 0
        for name in try AtomicFile.list(directory) where name.hasPrefix("snapshot-") && name != checkpoint.snapshot {
            try AtomicFile.remove(directory + "/" + name)
        }
        if let snapshot = checkpoint.snapshot {
            do {
                let reader = try ShardReader(path: directory + "/" + snapshot)
                commit.store.merge(series: reader.series, rows: try reader.verify())
            } catch {
                guard error.isCorrupt else { throw error }
                // Set aside and counted, never a crash loop: the windows it held are lost, and the
                // log names it, but everything sealed and everything after it still answers.
                try AtomicFile.makeDirectory(quarantine.directory)
                try AtomicFile.rename(directory + "/" + snapshot, to: quarantine.directory + "/" + snapshot)
                metrics.corruptSnapshots.increment()
                logger.error("snapshot \(snapshot) is corrupt and was moved to quarantine/; its open windows are lost: \(error)")
            }
        }
        commit.store.restoreApplied(checkpoint.applied)
        var replayed = 0
        try log.replay(from: checkpoint.walStart, corrupt: { [self] position, length in
            quarantineLogRecord("log record at position \(position) (\(length) bytes) fails its checksum")
        }) { position, frame in
            do {
                let batch = try PartialBatch.decode(frame)
                if commit.replayed(batch) { replayed += 1 }
            } catch {
                quarantine.keep(frame, name: "wal-\(position).frame")
                quarantineLogRecord("log record ending at position \(position) does not decode: \(error)")
            }
        }
        reportFiles()
        metrics.openWindows.set(Double(commit.store.openWindowCount))
        // Replayed rows are not load: measuring starts now.
        commit.store.load = LoadMeter(partitionCount: map.partitionCount, halfLifeSeconds: configuration.loadHalfLifeSeconds)
        lastHeartbeat = clock.monotonicNanoseconds
        logger.info("recovered: \(catalog.files.count) shard files (manifest version \(manifest.state.version)), \(commit.store.openWindowCount) open windows, \(replayed) partial batches replayed")
    }

    // MARK: Partials

    /// Most messages taken from one queue in a loop turn.
    static let drainMessagesMax = 1000

    func drainPartials() throws {
        var taken = 0
        defer { if taken > 0 { metrics.partialsPerTurn.record(Double(taken)) } }
        while taken < Self.drainMessagesMax, let request = try partials.receive() {
            taken += 1
            switch InternalMethod(request) {
            case .partials:
                guard let (batch, frame) = decodePartial(request) else { continue }
                if let refusal = refusal(of: batch) {
                    metrics.partialsMoved.increment()
                    partials.fail(request, refusal)
                    continue
                }
                let (verdict, directives) = commit.received(request, batch: batch, frame: frame)
                if verdict == .duplicate || verdict == .heldDuplicate { metrics.partialsDuplicate.increment() }
                perform(directives)
            case .applied:
                do {
                    perform(commit.askedApplied(request, origin: try AppliedRequest.decode(request.body).origin))
                } catch {
                    partials.fail(request, error.description)
                }
            default:
                partials.fail(request, "unknown method '\(request.method)'; this endpoint answers 'partials' and 'applied'")
            }
        }
        guard commit.hasHeld else { return }
        do {
            try log.sync()
        } catch {
            log.discardPending()
            let reason = error.refusal(of: "the partial batch")
            metrics.logFailures.increment()
            if !logFailing { logger.error("\(reason); refusing partials until the log can be written (counted in windrow_log_write_failures_total)") }
            logFailing = true
            perform(commit.syncFailed(reason))
            return
        }
        if logFailing {
            logger.notice("the log is written again; partials are taken")
            logFailing = false
        }
        let (directives, batches, rows) = commit.synced()
        metrics.partialsMerged.increment(by: Int64(batches))
        metrics.partialRowsMerged.increment(by: Int64(rows))
        perform(directives)
        metrics.openWindows.set(Double(commit.store.openWindowCount))
        metrics.walBytes.set(Double(log.sizeBytes))
    }

    /// Decodes a partial batch. Rows no state can have are quarantined and the rest is logged
    /// without them; a batch whose rows cannot be read at all, though its frame checks out, is
    /// quarantined whole and taken as an empty batch for its log range, so that its sender
    /// moves on. `nil` when the request was answered already (a damaged frame: the sender
    /// retries it).
    func decodePartial(_ request: RPCServer.Request) -> (PartialBatch, [UInt8])? {
        var batch: PartialBatch
        do {
            batch = try PartialBatch.decode(request.body)
        } catch {
            guard let head = try? PartialBatch.decodeHead(request.body) else {
                partials.fail(request, error.description)
                return nil
            }
            let name = "partial-\(head.origin)-\(head.sequenceStart)-\(head.sequenceEnd).frame"
            quarantine.keep(request.body, name: name)
            quarantineRows(Int(head.itemCount), lines: ["partial batch [\(head.sequenceStart), \(head.sequenceEnd)) from \(head.origin): \(error); kept as \(name)"])
            batch = PartialBatch(id: head.id, origin: head.origin, sequenceStart: head.sequenceStart, sequenceEnd: head.sequenceEnd,
                                 windowNanoseconds: map.windowNanoseconds, sketchMapping: map.sketchMapping, series: [], rows: [])
            return (batch, batch.encode())
        }
        guard batch.windowNanoseconds == map.windowNanoseconds else {
            partials.fail(request, "window length \(batch.windowNanoseconds) ns differs from this reducer's \(map.windowNanoseconds) ns")
            return nil
        }
        guard !batch.quarantined.isEmpty else { return (batch, request.body) }
        quarantineRows(batch.quarantined.count, lines: batch.quarantined.map { row in
            let series = Int(row.seriesIndex) < batch.series.count ? batch.series[Int(row.seriesIndex)].key.description : "?"
            return "partial batch [\(batch.sequenceStart), \(batch.sequenceEnd)) from \(batch.origin), series \(series): \(row)"
        })
        batch.quarantined = []
        return (batch, batch.encode())
    }

    func perform(_ directives: [ReducerCommit<RPCServer.Request>.Directive]) {
        for directive in directives {
            switch directive {
            case .log(let frame): log.append(frame)
            case .answer(let request, let reply): partials.reply(request, PartialsCall.self, reply)
            case .refuse(let request, let message): partials.fail(request, message)
            }
        }
    }

    /// Sets rows aside: counted, written to the quarantine file, logged once per event.
    func quarantineRows(_ count: Int, source: String = "partial", lines: [String]) {
        metrics.quarantinedRows(source).increment(by: Int64(count))
        quarantine.record(lines, time: RFC3339.format(Timestamp(nanoseconds: clock.wallNanoseconds)))
        logger.error("quarantined \(count) rows: \(lines.first ?? "")\(lines.count > 1 ? " (and \(lines.count - 1) more in quarantine/quarantine.log)" : "")")
    }

    func quarantineLogRecord(_ line: String) {
        metrics.quarantinedRecords.increment()
        quarantine.record(["reducer log: " + line], time: RFC3339.format(Timestamp(nanoseconds: clock.wallNanoseconds)))
        logger.error("quarantined \(line)")
    }

    // MARK: Queries

    func drainQueries() {
        var taken = 0
        defer { if taken > 0 { metrics.queriesPerTurn.record(Double(taken)) } }
        while taken < Self.drainMessagesMax, let request = try? queries.receive() {
            taken += 1
            let start = clock.monotonicNanoseconds
            do {
                switch InternalMethod(request) {
                case .query:
                    let spec = try QuerySpec.decode(request.body).validated(window: map.window)
                    try checkServing(spec.name, epoch: spec.epoch)
                    queries.reply(request, QuerySpec.self, try QueryAnswer(accumulate(spec)))
                case .queryStates:
                    let spec = try StatesQuery.decode(request.body).spec.validated(window: map.window)
                    try checkServing(spec.name, epoch: spec.epoch)
                    queries.reply(request, StatesQuery.self, QueryStates(try accumulate(spec), window: map.windowNanoseconds,
                                                                          sketchMapping: map.sketchMapping))
                case .names:
                    let asked = try NamesRequest.decode(request.body)
                    let names = commit.store.names(prefix: asked.prefix).union(catalog.names(prefix: asked.prefix))
                        .union(commit.sealingNames(prefix: asked.prefix))
                    queries.reply(request, NamesRequest.self, names.sorted())
                case .series:
                    let asked = try SeriesRequest.decode(request.body)
                    try checkServing(asked.name)
                    var entries = catalog.series(named: asked.name, partition: map.partition(of: asked.name))
                    entries.formUnion(commit.store.series(named: asked.name))
                    entries.formUnion(commit.sealingSeries(named: asked.name))
                    let listings = entries.sorted { $0.key < $1.key }.map { SeriesListing(tags: $0.key.tags, type: $0.type.description) }
                    queries.reply(request, SeriesRequest.self, listings)
                case .export:
                    let asked = try ExportRequest.decode(request.body)
                    queries.reply(request, ExportRequest.self, try exportListing(asked))
                case .fetch:
                    let asked = try FetchRequest.decode(request.body)
                    queries.reply(request, FetchRequest.self, try exportedBytes(asked))
                default:
                    queries.fail(request, "unknown method '\(request.method)'; this endpoint answers 'query', 'query_states', 'names', 'series', 'export' and 'fetch'")
                }
            } catch {
                queries.fail(request, "\(error)")
            }
            metrics.querySeconds.recordNanoseconds(clock.monotonicNanoseconds - start)
        }
    }

    /// Merges the matching base windows of shards and memory into the query's buckets. Files a
    /// handover under way brought for a partition served here already (a split's pieces
    /// joining their owner) count only for a query made with the map that completes it.
    func accumulate(_ spec: QuerySpec) throws -> BucketAccumulator {
        var accumulator = BucketAccumulator(spec: spec)
        let (hits, misses) = (catalog.resultHits, catalog.resultMisses)
        defer {
            metrics.resultCacheHits.increment(by: Int64(catalog.resultHits - hits))
            metrics.resultCacheMisses.increment(by: Int64(catalog.resultMisses - misses))
        }
        let hidden = (spec.epoch ?? map.epoch) <= map.epoch ? map.handover.map { HandoverImporter.prefix(handover: $0.id) } : nil
        try catalog.rows(partition: map.partition(of: spec.name), spec: spec, hiding: hidden, into: &accumulator)
        let quarantined = catalog.takeQuarantined()
        if !quarantined.isEmpty { quarantineRows(quarantined.count, source: "shard", lines: quarantined) }
        try commit.sealingRows(partition: map.partition(of: spec.name), matching: spec.filter, from: spec.from, to: spec.to, into: &accumulator)
        try commit.store.openRows(matching: spec.filter, from: spec.from, to: spec.to, into: &accumulator)
        return accumulator
    }

    // MARK: Heartbeat and sealing

    /// Seals, and on failure (a full disk, say) reports, counts and tries again next time: the
    /// windows stay in memory and in the log, queries go on.
    func sealOrReport() {
        do {
            try seal(force: false)
        } catch {
            metrics.sealFailures.increment()
            logger.error("seal failed, will retry: \(error)")
        }
    }

    func heartbeat() {
        metrics.openShardFiles.set(Double(openFiles.openCount))
        metrics.shardFileOpens.increment(by: Int64(openFiles.opens - openedBefore))
        openedBefore = openFiles.opens
        let now = clock.monotonicNanoseconds
        let load = commit.store.load.report(elapsedSeconds: Double(now - lastHeartbeat) / 1e9)
        lastHeartbeat = now
        let samplesPerSecond = load.reduce(0) { $0 + $1.samplesPerSecond }
        metrics.samplesPerSecond.set(samplesPerSecond)
        metrics.hottestPartitionSamplesPerSecond.set(load.map(\.samplesPerSecond).max() ?? 0)
        var report = Self.report(service, figures: [
            "open_windows": Double(commit.store.openWindowCount), "shard_files": Double(catalog.files.count),
            "shard_bytes": Double(catalog.totalBytes), "wal_bytes": Double(log.sizeBytes),
            "series": Double(commit.store.seriesCount), "samples_per_second": samplesPerSecond,
            "rows_per_second": load.reduce(0) { $0 + $1.rowsPerSecond },
            // The front tells query answers which buckets are still open by it.
            "allowed_lateness_ms": Double(service.configuration.allowedLatenessMs),
        ])
        report.partitionLoad = load
        report.handover = handover?.progress
        let holding = releasable()
        report.holding = holding.isEmpty ? nil : holding.sorted()
        service.link.beat(report) { [service] reply in
            service.watermark.withLock { $0 = reply.watermark }
        }
    }

    /// Starts a seal of the windows the watermark has passed (plus the allowed lateness), unless
    /// one is being written: the loop takes them and a copy of the windows that stay open, rotates the log, and a
    /// thread writes the shard files (per partition and day), the snapshot of the rest and the
    /// checkpoint. Until it commits, queries read the taken windows from the job.
    func seal(force: Bool, including: Set<Int> = []) throws {
        let start = clock.monotonicNanoseconds
        let watermark = service.watermark.withLock { $0 }
        if let watermark { metrics.watermarkLag.set(Double(clock.wallNanoseconds - watermark) / 1e9) }
        guard let job = commit.sealDue(watermark: watermark, allowedLatenessNanoseconds: Int64(configuration.allowedLatenessMs) * 1_000_000,
                                       force: force || log.sizeBytes > UInt64(configuration.walBytesMax), including: including) else {
            openAfterSeal = commit.store.openWindowCount
            return
        }
        openAfterSeal = commit.store.openWindowCount
        do {
            try log.rotate()
        } catch {
            commit.sealFailed()
            throw error
        }
        var next = checkpoint
        next.sequence += 1
        next.applied = job.applied
        next.walStart = log.endPosition
        let writer = SealWriter(shardDirectory: shardDirectory, directory: directory, manifest: manifest, files: openFiles,
                                windowNanoseconds: map.windowNanoseconds, sketchMapping: map.sketchMapping)
        let mailbox = Mailbox<SealWriter.Outcome>()
        let waker = service.waker
        let draft = next
        sealInFlight = (mailbox, start, job.rowCount)
        Thread.detachNewThread {
            mailbox.post(writer.write(job, next: draft))
            waker.wake()
        }
    }

    /// Takes the outcome of the seal in flight, once it is there (`wait`: waits for it, at
    /// shutdown). Committed: the previous snapshot and the log before the checkpoint go, the new
    /// files answer queries. Failed: the windows are open again, and the next tick retries.
    func finishSeal(wait: Bool = false) {
        guard let (mailbox, start, rowCount) = sealInFlight else { return }
        var outcome = mailbox.take()
        while wait && outcome == nil {
            Thread.sleep(forTimeInterval: 0.01)
            outcome = mailbox.take()
        }
        guard let outcome else { return }
        sealInFlight = nil
        switch outcome {
        case .committed(let next, let readers, let bytes, let failedOpens):
            if let previous = checkpoint.snapshot { try? AtomicFile.remove(directory + "/" + previous) }
            checkpoint = next
            try? log.truncate(before: next.walStart)
            for (file, reader) in readers { catalog.add(reader, file: file) }
            for message in failedOpens { logger.error("\(message)") }
            commit.sealCommitted()
            metrics.shardBytesWritten.increment(by: Int64(bytes))
            metrics.sealSeconds.recordNanoseconds(clock.monotonicNanoseconds - start)
            reportFiles()
            metrics.walBytes.set(Double(log.sizeBytes))
            metrics.openWindows.set(Double(commit.store.openWindowCount))
            metrics.seriesInMemory.set(Double(commit.store.seriesCount))
            if !readers.isEmpty { logger.debug("sealed \(rowCount) windows into \(readers.count) shard files") }
        case .failed(let error):
            commit.sealFailed()
            metrics.sealFailures.increment()
            logger.error("seal failed, will retry: \(error)")
        }
    }
}
