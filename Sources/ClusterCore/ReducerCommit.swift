import Aggregation
import Wire

/// The reducer's side of the delivery protocol, as a pure state machine: partial batches in,
/// directives out. The shell (`ReducerLoop`) turns sockets and its log into events and carries
/// the directives out; the seeded simulation drives this same machine with faults.
///
/// The rules, per mapper (`origin`), with `A` the end of that mapper's log applied here or
/// already logged here and awaiting the log's sync:
/// - a batch ending at or before `A` is a duplicate: answered with `A`, not applied again;
/// - a batch starting before `A` and ending after it overlaps what was applied (a mapper that
///   re-aggregated from a stale position): refused with `A`, so the mapper resynchronises;
///   applying it would count the overlap twice;
/// - any other batch is logged, and applied and answered once the log is synced.
/// "How far have you applied my log?" is answered after the held batches are applied, so the
/// answer is never older than a batch that is about to be applied.
public struct ReducerCommit<Request> {
    /// The windows and applied positions; the shell seals and queries through it.
    public var store: ReducerStore
    private var held: [(request: Request, batch: PartialBatch)] = []
    private var heldAsks: [(request: Request, origin: String)] = []
    /// Per origin, the end of the newest held batch.
    private var heldEnd: [String: UInt64] = [:]

    public init(store: ReducerStore) {
        self.store = store
    }

    /// What the shell must do.
    public enum Directive {
        /// Append this frame to the log (a sync follows before the batch is applied).
        case log([UInt8])
        /// Answer a request: the mapper's log is applied here up to `applied`.
        case answer(Request, AppliedReply)
        /// Refuse a request with a message (nothing was taken).
        case refuse(Request, String)
    }

    /// Whether a batch was new, applied already, held already (logged, not yet synced), or
    /// an overlap.
    public enum Verdict: Equatable, Sendable { case new, duplicate, heldDuplicate, overlap(applied: UInt64) }

    /// Where a batch from `origin` covering `[start, end)` stands against what is applied or held.
    public func verdict(origin: String, start: UInt64, end: UInt64) -> Verdict {
        let applied = store.applied[origin] ?? 0
        let done = Swift.max(applied, heldEnd[origin] ?? 0)
        if end <= applied { return .duplicate }
        if end <= done { return .heldDuplicate }
        if start < done { return .overlap(applied: done) }
        return .new
    }

    /// A partial batch arrived (already decoded, rows that no state can have set aside by the
    /// caller). `frame` is what to log: the batch as received, or re-encoded without its
    /// quarantined rows.
    public mutating func received(_ request: Request, batch: PartialBatch, frame: [UInt8]) -> (Verdict, [Directive]) {
        let verdict = verdict(origin: batch.origin, start: batch.sequenceStart, end: batch.sequenceEnd)
        return (verdict, directives(for: verdict, request, batch: batch, frame: frame))
    }

    private mutating func directives(for verdict: Verdict, _ request: Request, batch: PartialBatch, frame: [UInt8]) -> [Directive] {
        switch verdict {
        case .duplicate:
            return [.answer(request, AppliedReply(origin: batch.origin, applied: store.applied[batch.origin] ?? 0))]
        case .heldDuplicate:
            // Answered once the held copy is durable, never before.
            heldAsks.append((request, batch.origin))
            return []
        case .overlap(let applied):
            return [.refuse(request, "overlap: batch [\(batch.sequenceStart), \(batch.sequenceEnd)) of \(batch.origin) starts before "
                        + "position \(applied), which is applied already; resynchronise from \(applied)")]
        case .new:
            held.append((request, batch))
            heldEnd[batch.origin] = batch.sequenceEnd
            return [.log(frame)]
        }
    }

    /// A mapper asks how far its log is applied; answered after the next sync.
    public mutating func askedApplied(_ request: Request, origin: String) -> [Directive] {
        guard held.isEmpty else {
            heldAsks.append((request, origin))
            return []
        }
        return [.answer(request, AppliedReply(origin: origin, applied: store.applied[origin] ?? 0))]
    }

    /// Whether logged batches wait for a sync.
    public var hasHeld: Bool { !held.isEmpty || !heldAsks.isEmpty }

    /// The log was synced: held batches are durable, so they are applied and answered.
    public mutating func synced() -> (directives: [Directive], appliedBatches: Int, appliedRows: Int) {
        var directives = [Directive]()
        var batches = 0
        var rows = 0
        // The batches move out (in order) so that their rows' states move into the store.
        var taken = held
        held.removeAll()
        taken.reverse()
        while let (request, batch) = taken.popLast() {
            let origin = batch.origin
            let end = batch.sequenceEnd
            let count = batch.rows.count
            if store.apply(batch) == .applied {
                batches += 1
                rows += count
            }
            directives.append(.answer(request, AppliedReply(origin: origin, applied: store.applied[origin] ?? end)))
        }
        for (request, origin) in heldAsks {
            directives.append(.answer(request, AppliedReply(origin: origin, applied: store.applied[origin] ?? 0)))
        }
        clearHeld()
        return (directives, batches, rows)
    }

    /// The sync failed (`reason`, e.g. a full disk): nothing held was taken; every held
    /// request is refused so its sender retries later.
    public mutating func syncFailed(_ reason: String) -> [Directive] {
        var directives = held.map { Directive.refuse($0.request, reason) }
        for (request, origin) in heldAsks {
            directives.append(.answer(request, AppliedReply(origin: origin, applied: store.applied[origin] ?? 0)))
        }
        clearHeld()
        return directives
    }

    private mutating func clearHeld() {
        held.removeAll(keepingCapacity: true)
        heldAsks.removeAll(keepingCapacity: true)
        heldEnd.removeAll(keepingCapacity: true)
    }

    // MARK: Sealing

    /// The seal whose files are being written (off the loop), if any: its windows left the
    /// store and answer from here until it commits (they are then in shard files) or fails
    /// (they go back into the store).
    public private(set) var sealing: SealJob?

    /// A seal tick with the cluster watermark (ns) known so far: takes the windows that ended
    /// `allowedLatenessNanoseconds` or more before it, per partition, with a copy of the windows
    /// that stay open (the snapshot) and the applied positions, for the shell to write and
    /// commit. `nil` when nothing is due or a seal is in flight; `force` (a log past its size
    /// limit) makes a checkpoint due with whatever is sealable. Never while batches are held: a
    /// checkpoint must not name positions whose batches are not applied.
    /// `including` names partitions whose every window is taken (a handover gives them away).
    public mutating func sealDue(watermark: Int64?, allowedLatenessNanoseconds: Int64, force: Bool, including: Set<Int> = []) -> SealJob? {
        guard held.isEmpty, sealing == nil else { return nil }
        let sealable = store.takeSealable(endingBy: watermark.map { $0 &- allowedLatenessNanoseconds }, including: including)
        guard force || !sealable.isEmpty else { return nil }
        let job = SealJob(sealed: sealable, open: store.allOpenRows(), applied: store.applied)
        sealing = job
        return job
    }

    /// The seal in flight committed: its windows answer from shard files now.
    public mutating func sealCommitted() {
        sealing = nil
    }

    /// The seal in flight failed (nothing of it is committed): its windows are open again.
    public mutating func sealFailed() {
        guard let job = sealing else { return }
        for rows in job.sealed.values { store.merge(series: rows.series, rows: rows.rows) }
        sealing = nil
    }

    /// Adds the windows of the seal in flight that `filter` accepts, starting in `[from, to)`.
    public func sealingRows(partition: Int, matching filter: SeriesFilter, from: Int64, to: Int64,
                            into accumulator: inout BucketAccumulator) throws(QuerySeriesLimitError) {
        guard let rows = sealing?.sealed[partition] else { return }
        // Per series of the job: its group, or -1 when the filter leaves it out.
        var groups = [Int](repeating: -1, count: rows.series.count)
        for (index, entry) in rows.series.enumerated() where filter.matches(entry.key) {
            try accumulator.admit(entry.key)
            groups[index] = accumulator.groupNumber(of: entry.key)
        }
        for row in rows.rows where groups[Int(row.seriesIndex)] >= 0 && row.windowStart >= from && row.windowStart < to {
            accumulator.add(group: groups[Int(row.seriesIndex)], windowStart: row.windowStart, state: row.state)
        }
    }

    /// Names of the series in the seal in flight that start with `prefix`.
    public func sealingNames(prefix: String) -> Set<String> {
        guard let sealing else { return [] }
        var names = Set<String>()
        for rows in sealing.sealed.values {
            for entry in rows.series where entry.key.name.hasPrefix(prefix) { names.insert(entry.key.name) }
        }
        return names
    }

    /// The series of `name` in the rows being sealed.
    public func sealingSeries(named name: String) -> [SeriesEntry] {
        guard let sealing else { return [] }
        return sealing.sealed.values.flatMap { rows in rows.series.filter { $0.key.name == name } }
    }

    /// A batch read back from the log at recovery: applied unless already applied.
    public mutating func replayed(_ batch: PartialBatch) -> Bool {
        store.apply(batch) == .applied
    }
}

/// One seal: the windows it writes into shard files, per partition, and the store's state when
/// they were taken: its open windows (the snapshot) and applied positions (for the checkpoint).
/// Copies of just those, so the loop's store is never shared with the thread that writes them.
public struct SealJob: Sendable {
    public let sealed: [Int: ReducerRows]
    public let open: ReducerRows
    public let applied: [String: UInt64]

    /// Windows sealed.
    public var rowCount: Int { sealed.values.reduce(0) { $0 + $1.rows.count } }
}
