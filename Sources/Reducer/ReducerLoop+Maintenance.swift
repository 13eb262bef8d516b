import Foundation
import Model
import Storage

/// A maintenance job run off the loop.
enum Maintenance: Sendable {
    case compaction(CompactionUnit)
    case retention([ManifestFile])
}

extension ReducerLoop {
    /// Retention is looked at this often even when no file changed (ages grow with the clock).
    static let retentionCheckNanoseconds: Int64 = 60_000_000_000
    /// A failed compaction is not tried again before this long.
    static let compactionBackoffNanoseconds: Int64 = 30_000_000_000

    /// Starts the next maintenance job, unless one runs: retention first (files aged out), then
    /// the oldest compaction due. Plans only when the files or the closed-day horizon changed,
    /// or retention's minute came round. Nothing starts while a handover runs.
    func maintain() {
        // A handover lists and copies files: none is replaced while it runs.
        guard maintenanceInFlight == nil, map.handover == nil else { return }
        let monotonic = clock.monotonicNanoseconds
        let lateness = Int64(configuration.allowedLatenessMs) * 1_000_000
        let closedBefore = service.watermark.withLock { $0 }.map { ($0 - lateness).floorDivided(by: ShardGroups.dayNanoseconds) } ?? .min
        let retentionDue = monotonic >= nextRetentionCheck
        if let planned, planned.version == catalog.version, planned.closedBefore == closedBefore, !retentionDue { return }
        planned = (catalog.version, closedBefore)
        let now = clock.wallNanoseconds
        let files = Array(catalog.files.values)
        if retentionDue {
            nextRetentionCheck = monotonic + Self.retentionCheckNanoseconds
            let expired = planner.expired(files, now: now)
            if !expired.isEmpty {
                start(.retention(expired)) { [manifest] in
                    do {
                        try manifest.apply(ManifestEdit(removed: expired.map(\.name), state: nil))
                        return .committed(added: [], removed: expired.map(\.name), read: 0, written: 0)
                    } catch {
                        return .failed(error)
                    }
                }
                return
            }
        }
        let units = planner.units(files, closedBefore: closedBefore, now: now).filter { !stuckUnits.contains($0.removed) }
        metrics.compactionBacklog.set(Double(units.count))
        guard monotonic >= compactionRetryAfter, let unit = units.first else { return }
        compactionNumber += 1
        let number = compactionNumber
        var readers = [String: ShardReader]()
        for output in unit.outputs {
            for input in output.inputs { readers[input.name] = catalog.readers[input.name] }
        }
        let compactor = Compactor(shardDirectory: shardDirectory, manifest: manifest, files: openFiles, sketchMapping: map.sketchMapping,
                                  bytesPerSecond: configuration.compactionBytesPerSecond, stepDelayMs: configuration.compactionStepDelayMs)
        let inputs = readers
        start(.compaction(unit)) { compactor.run(unit, number: number, readers: inputs) }
    }

    private func start(_ job: Maintenance, _ work: @escaping @Sendable () -> Compactor.Outcome) {
        let mailbox = Mailbox<Compactor.Outcome>()
        let waker = service.waker
        maintenanceInFlight = (mailbox, clock.monotonicNanoseconds, job)
        Thread.detachNewThread {
            mailbox.post(work())
            waker.wake()
        }
    }

    /// Takes the outcome of the maintenance job, once it is there: committed outputs answer
    /// queries, the files they replace (or retention dropped) leave the catalog and its caches,
    /// their descriptors are closed, and a thread deletes them.
    func finishMaintenance() {
        guard let (mailbox, start, job) = maintenanceInFlight, let outcome = mailbox.take() else { return }
        maintenanceInFlight = nil
        switch outcome {
        case .committed(let added, let removed, let read, let written):
            for (file, reader) in added { catalog.add(reader, file: file) }
            let gone = catalog.remove(removed)
            let reclaimed = gone.reduce(0) { $0 + $1.fileSize }
            for reader in gone { openFiles.close(reader.path) }
            let paths = gone.map(\.path)
            Thread.detachNewThread {
                for path in paths { try? AtomicFile.remove(path) }
            }
            switch job {
            case .compaction(let unit):
                metrics.compactions.increment()
                metrics.compactionSeconds.recordNanoseconds(clock.monotonicNanoseconds - start)
                metrics.compactionBytesRead.increment(by: Int64(read))
                metrics.compactionBytesWritten.increment(by: Int64(written))
                metrics.shardBytesWritten.increment(by: Int64(written))
                metrics.bytesReclaimed("compaction").increment(by: Int64(reclaimed))
                logger.debug("compacted \(unit.removed.count) files of partition \(unit.partition), day \(unit.day) into \(added.count) at level \(unit.level)")
            case .retention:
                metrics.retentionFilesDropped.increment(by: Int64(removed.count))
                metrics.bytesReclaimed("retention").increment(by: Int64(reclaimed))
                logger.info("retention (\(planner.retention)) dropped \(removed.count) shard files, \(reclaimed) bytes")
            }
            reportFiles()
        case .failed(let error):
            switch job {
            case .compaction(let unit):
                metrics.compactionFailures.increment()
                if error is CompactionError { stuckUnits.insert(unit.removed) }
                compactionRetryAfter = clock.monotonicNanoseconds + Self.compactionBackoffNanoseconds
                logger.error("compaction of partition \(unit.partition), day \(unit.day) failed, will retry: \(error)")
            case .retention:
                logger.error("retention could not drop files, will retry: \(error)")
            }
        }
    }

    /// Sets the file gauges: in use, by level and by resolution, bytes, manifest version.
    func reportFiles() {
        metrics.shardFiles.set(Double(catalog.files.count))
        metrics.shardBytes.set(Double(catalog.totalBytes))
        var byLevel = [UInt8: Int]()
        var byResolution = [Int64: Int]()
        for file in catalog.files.values {
            byLevel[file.level, default: 0] += 1
            byResolution[file.resolution, default: 0] += 1
        }
        levelsReported.formUnion(byLevel.keys)
        for level in levelsReported { metrics.filesAtLevel(level).set(Double(byLevel[level] ?? 0)) }
        for resolution in planner.resolutions { metrics.filesAtResolution(resolution).set(Double(byResolution[resolution] ?? 0)) }
        metrics.manifestVersion.set(Double(manifest.state.version))
    }
}
