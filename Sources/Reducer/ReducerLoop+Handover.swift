import ClusterClient
import ClusterCore
import Foundation
import Storage
import Wire

/// This reducer's part in the handover under way (the protocol is `Handover`'s).
struct HandoverWork {
    let id: UInt64
    /// The partitions it gives away are sealed into files: targets may list and fetch them.
    var exported = false
    /// Partitions it receives whose files are committed here.
    var imported = Set<Int>()
    var failure: String?
    /// The fetch running off the loop, and files fetched that wait for their commit.
    var importing: Mailbox<HandoverImporter.Outcome>?
    var fetched: [HandoverImporter.Fetched] = []
    /// No fetch starts before this monotonic time (the last one was told "not yet").
    var retryAt: Int64 = 0
    /// Whether this reducer, owning nothing, took a source's applied positions as its own.
    var adopted = false

    var progress: HandoverProgress {
        HandoverProgress(id: id, imported: imported.sorted(), exported: exported, failure: failure)
    }
}

/// A query or partial batch for a partition this reducer does not hold (any more, or yet).
struct MovedError: Error, CustomStringConvertible {
    static let prefix = "moved: "
    let description: String
    init(partition: Int, version: UInt64) {
        description = Self.prefix + "partition \(partition) is not held here at map version \(version); refresh the map and ask its owner"
    }

    init(partition: Int, piece series: String, version: UInt64) {
        description = Self.prefix + "series \(series) of split partition \(partition) is another reducer's piece at map version \(version); refresh the map"
    }

    init(epoch asked: UInt64, held: UInt64) {
        description = Self.prefix + "the query was made with map epoch \(asked), and ownership has changed since (epoch \(held) here); refresh the map and ask again"
    }
}

extension ReducerLoop {
    var me: String { configuration.id }

    /// Takes the coordinator's newest map, with the handover it carries.
    func refreshMap() {
        guard let fresh = service.link.reply?.map, fresh.version != map.version, fresh.partitionCount == map.partitionCount,
              fresh.windowNanoseconds == map.windowNanoseconds else { return }
        map = fresh
        refreshOwnership()
    }

    /// Which partitions partials and queries are taken for: those owned, and those imported for
    /// the handover under way (a mapper or front may know the new map first); a partition given
    /// away is refused partials once it is sealed for its target.
    func refreshOwnership() {
        var owned = [Bool](repeating: false, count: map.partitionCount)
        for partition in map.partitions(heldBy: me) { owned[partition] = true }
        serving = owned
        accepting = owned
        acceptingSplit = [PartitionSplit?](repeating: nil, count: map.partitionCount)
        for split in map.splits { acceptingSplit[split.partition] = split }
        guard let work = handover, let running = map.handover, running.id == work.id else { return }
        for partition in work.imported {
            serving[partition] = true
            accepting[partition] = true
            acceptingSplit[partition] = nil
        }
        // New pieces start empty: taken (for mappers and fronts that know the new map first)
        // once nothing more is copied, since mappers hold their flushes until the flip.
        if running.phase == .copying, let slot = map.ordinal(of: me) {
            for split in running.splits ?? [] where split.pieces.contains(slot) && map.split(of: split.partition) == nil {
                serving[split.partition] = true
                accepting[split.partition] = true
                acceptingSplit[split.partition] = split
            }
        }
        if work.exported {
            for partition in running.outgoing(from: me) { accepting[partition] = false }
        }
    }

    /// Why a partial batch is refused: a series of a partition not taken here.
    func refusal(of batch: PartialBatch) -> String? {
        let slot = map.ordinal(of: me)
        for entry in batch.series {
            let partition = PartitionMap.partition(of: entry.key.name, count: map.partitionCount)
            if !accepting[partition] { return MovedError(partition: partition, version: map.version).description }
            if let split = acceptingSplit[partition], split.slot(ofSeriesHash: PartitionMap.seriesHash(entry.key)) != slot {
                return MovedError(partition: partition, piece: "\(entry.key)", version: map.version).description
            }
        }
        return nil
    }

    /// A query's partition must be held here, and the query made with a map no older than
    /// this reducer's (an older one may not know where a split partition's files went).
    func checkServing(_ name: String, epoch: UInt64? = nil) throws(MovedError) {
        let partition = map.partition(of: name)
        guard serving[partition] else { throw MovedError(partition: partition, version: map.version) }
        if let epoch, epoch < map.epoch { throw MovedError(epoch: epoch, held: map.epoch) }
    }

    /// One turn of handover work: the map first, then sealing what is given away, fetching and
    /// committing what is received, and, once no handover runs, releasing what was given.
    func handoverTurn() {
        refreshMap()
        removeAbandonedCopies()
        guard let running = map.handover else {
            if let work = handover {
                abandon(work)
                handover = nil
                refreshOwnership()
            }
            release()
            return
        }
        if let work = handover, work.id != running.id { abandon(work) }
        if handover?.id != running.id {
            handover = HandoverWork(id: running.id)
            refreshOwnership()
        }
        guard running.phase == .copying else { return }
        let outgoing = Set(running.outgoing(from: me))
        if !outgoing.isEmpty && handover?.exported == false { prepareExport(outgoing) }
        importTurn(running)
    }

    /// Seals every open window of the partitions given away; once none is left (and no seal or
    /// maintenance job runs), they are exported: their files are listed for the targets.
    func prepareExport(_ outgoing: Set<Int>) {
        guard sealInFlight == nil, maintenanceInFlight == nil else { return }
        if commit.store.partitionsWithOpenWindows.isDisjoint(with: outgoing) {
            handover?.exported = true
            refreshOwnership()
            logger.info("handover \(handover!.id): \(outgoing.count) partitions sealed into files for their new owners")
            return
        }
        do {
            try seal(force: true, including: outgoing)
        } catch {
            metrics.sealFailures.increment()
            logger.error("seal for handover failed, will retry: \(error)")
        }
    }

    func importTurn(_ running: Handover) {
        guard let work = handover, work.failure == nil else { return }
        if !work.fetched.isEmpty {
            commitImport(running)
            return
        }
        if let mailbox = work.importing {
            guard let outcome = mailbox.take() else { return }
            handover?.importing = nil
            switch outcome {
            case .fetched(let fetched):
                handover?.fetched = fetched
                commitImport(running)
            case .retry(let reason):
                handover?.retryAt = clock.monotonicNanoseconds + 300_000_000
                logger.debug("handover \(work.id): fetching again soon: \(reason)")
            }
            return
        }
        let missing = running.moves.filter { $0.to == me && !work.imported.contains($0.partition) }
        guard !missing.isEmpty, clock.monotonicNanoseconds >= work.retryAt else { return }
        var sources = [(partition: Int, source: String, endpoint: String)]()
        for move in missing {
            guard let slot = map.ordinal(of: move.from), let source = map.reducers[slot] else {
                fail("source \(move.from) of partition \(move.partition) is not in the map")
                return
            }
            sources.append((move.partition, move.from, source.query))
        }
        let importer = HandoverImporter(client: service.client, shardDirectory: shardDirectory, handover: work.id,
                                        present: Set(catalog.files.keys))
        let mailbox = Mailbox<HandoverImporter.Outcome>()
        let waker = service.waker
        handover?.importing = mailbox
        let asked = sources
        Thread.detachNewThread {
            mailbox.post(importer.run(asked))
            waker.wake()
        }
    }

    /// Commits fetched partitions: checks that this reducer applied every mapper's log exactly
    /// as far as the source (a reducer owning nothing takes the source's positions, through its
    /// log), then lists the files in one manifest edit.
    func commitImport(_ running: Handover) {
        guard var work = handover, !commit.hasHeld else { return }
        var positions = commit.store.applied
        var adopt = [PartialBatch]()
        for fetched in work.fetched {
            let adopting = !work.adopted && map.partitions(heldBy: me).isEmpty
            if adopting {
                for (origin, theirs) in fetched.applied.sorted(by: { $0.key < $1.key }) where (positions[origin] ?? 0) < theirs {
                    adopt.append(PartialBatch(id: 0, origin: origin, sequenceStart: positions[origin] ?? 0, sequenceEnd: theirs,
                                              windowNanoseconds: map.windowNanoseconds, sketchMapping: map.sketchMapping, series: [], rows: []))
                    positions[origin] = theirs
                }
                work.adopted = true
            }
            let origins = work.adopted ? Set(fetched.applied.keys) : Set(fetched.applied.keys).union(positions.keys)
            let differing = origins.filter { (positions[$0] ?? 0) != (fetched.applied[$0] ?? 0) }.sorted()
            if let origin = differing.first {
                fail("applied positions differ from \(fetched.source)'s for \(differing.count) mappers, e.g. \(origin): \(positions[origin] ?? 0) here, \(fetched.applied[origin] ?? 0) there")
                for file in fetched.files where catalog.files[file.name] == nil { try? AtomicFile.remove(shardDirectory + "/" + file.name) }
                return
            }
        }
        do {
            for batch in adopt { log.append(batch.encode()) }
            if !adopt.isEmpty { try log.sync() }
            for batch in adopt { commit.store.apply(batch) }
            let added = work.fetched.flatMap(\.files).filter { catalog.files[$0.name] == nil }
            if !added.isEmpty { try manifest.apply(ManifestEdit(added: added, state: nil)) }
            for file in added { catalog.add(try ShardReader(path: shardDirectory + "/" + file.name, files: openFiles), file: file) }
        } catch {
            log.discardPending()
            handover = work
            handover?.retryAt = clock.monotonicNanoseconds + 1_000_000_000
            logger.error("handover \(work.id): cannot commit the imported files, will retry: \(error)")
            return
        }
        work.imported.formUnion(work.fetched.map(\.partition))
        let added = work.fetched.flatMap(\.files)
        metrics.handoverFilesImported.increment(by: Int64(added.count))
        metrics.handoverBytesImported.increment(by: Int64(added.reduce(0) { $0 + $1.bytes }))
        let files = work.fetched.reduce(0) { $0 + $1.files.count }
        logger.info("handover \(work.id): imported \(work.fetched.count) partitions (\(files) shard files)")
        work.fetched = []
        handover = work
        refreshOwnership()
        reportFiles()
    }

    /// A handover ended (completed or abandoned) while files of it were fetched but not
    /// committed: they are removed once its fetch thread is done.
    func abandon(_ work: HandoverWork) {
        guard work.importing != nil || !work.fetched.isEmpty else { return }
        abandonedCopies.append((work.id, work.importing))
    }

    func removeAbandonedCopies() {
        guard !abandonedCopies.isEmpty else { return }
        var waiting = [(id: UInt64, mailbox: Mailbox<HandoverImporter.Outcome>?)]()
        for copy in abandonedCopies {
            if let mailbox = copy.mailbox, mailbox.take() == nil {
                waiting.append(copy)
                continue
            }
            let prefix = HandoverImporter.prefix(handover: copy.id)
            let names = (try? AtomicFile.list(shardDirectory)) ?? []
            for name in names where name.hasPrefix(prefix) && catalog.files[name] == nil {
                try? AtomicFile.remove(shardDirectory + "/" + name)
            }
        }
        abandonedCopies = waiting
    }

    func fail(_ reason: String) {
        handover?.failure = reason
        logger.error("handover \(handover?.id ?? 0): \(reason)")
    }

    /// The partitions this reducer holds data of without owning them, that it may drop: owned by
    /// another registered reducer in a complete map, after a handover (or imported for one that
    /// was abandoned), while none runs.
    func releasable() -> Set<Int> {
        guard map.handover == nil, map.isComplete else { return [] }
        let held = Set(catalog.files.values.map { Int($0.partition) }).union(commit.store.partitionsWithOpenWindows)
        let slot = map.ordinal(of: me)
        return held.filter { partition in
            guard slot.map({ !map.holders(ofPartition: partition).contains($0) }) ?? true else { return false }
            return map.epoch > 0 || catalog.files.values.allSatisfy { Int($0.partition) != partition || $0.name.hasPrefix("h") }
        }
    }

    /// Drops what was given away: its files leave the manifest (then the disk), its open windows
    /// (none should be left) leave memory.
    func release() {
        guard map.version != releaseCheckedVersion, sealInFlight == nil, maintenanceInFlight == nil else { return }
        let gone = releasable()
        guard !gone.isEmpty else {
            releaseCheckedVersion = map.version
            return
        }
        let names = catalog.files.values.filter { gone.contains(Int($0.partition)) }.map(\.name)
        do {
            try manifest.apply(ManifestEdit(removed: names, state: nil))
        } catch {
            logger.error("cannot release \(gone.count) partitions given away, will retry: \(error)")
            return
        }
        let readers = catalog.remove(names)
        for reader in readers { openFiles.close(reader.path) }
        let paths = readers.map(\.path)
        Thread.detachNewThread {
            for path in paths { try? AtomicFile.remove(path) }
        }
        metrics.partitionsReleased.increment(by: Int64(gone.count))
        let dropped = commit.store.drop(partitions: gone)
        if dropped > 0 { logger.warning("released \(dropped) open windows of partitions owned elsewhere") }
        releaseCheckedVersion = map.version
        logger.info("released \(gone.count) partitions now owned elsewhere (\(names.count) shard files)")
        reportFiles()
        metrics.openWindows.set(Double(commit.store.openWindowCount))
    }
}

extension ReducerLoop {
    /// The partition `asked` names must be given away by the handover under way, and sealed.
    func checkExport(handover id: UInt64, partition: Int) throws(ExportRefusal) {
        guard let running = map.handover, running.id == id, running.phase == .copying, running.outgoing(from: me).contains(partition) else {
            throw ExportRefusal("no handover \(id) gives partition \(partition) away from \(me) (map version \(map.version))")
        }
        guard handover?.exported == true else {
            throw ExportRefusal("not yet: partition \(partition) is being sealed for handover \(id); ask again")
        }
    }

    /// The files of a partition given away, with this reducer's applied positions.
    func exportListing(_ asked: ExportRequest) throws -> ExportListing {
        try checkExport(handover: asked.handover, partition: asked.partition)
        let files = try catalog.files.values.filter { Int($0.partition) == asked.partition }.sorted { $0.name < $1.name }.map { file in
            ExportListing.File(name: file.name, day: file.day, group: file.group, level: file.level, resolution: file.resolution,
                               bytes: UInt64(try FileCopy.size(shardDirectory + "/" + file.name)), rows: file.rows)
        }
        return ExportListing(files: files, applied: commit.store.applied)
    }

    /// A piece of one file of a partition given away.
    func exportedBytes(_ asked: FetchRequest) throws -> [UInt8] {
        guard let file = catalog.files[asked.name] else { throw ExportRefusal("no shard file '\(asked.name)' here") }
        try checkExport(handover: asked.handover, partition: Int(file.partition))
        return try FileCopy.read(shardDirectory + "/" + asked.name, offset: Int(asked.offset), count: asked.length)
    }
}

/// An export or fetch this reducer cannot answer now.
struct ExportRefusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
