import Aggregation
import Model
import Wire

/// A reducer's in-memory state: the windows not yet sealed into shard files (open windows and
/// late corrections alike), and how far each mapper's log has been applied. Pure: no I/O.
public struct ReducerStore: Sendable {
    public let window: Step
    public let sketchMapping: SketchMapping?
    public let partitionCount: Int
    /// Per mapper: the end of its log up to which partials were applied here.
    public private(set) var applied: [String: UInt64] = [:]

    private var slotOfSeries: [SeriesKey: Int32] = [:]
    private var slotEntries: [SeriesEntry] = []
    private var slotPartitions: [Int32] = []
    private var slotsOfName: [String: [Int32]] = [:]
    /// Open windows per slot: window start → state.
    private var open: [[Int64: WindowState]] = []
    public private(set) var openWindowCount = 0

    public init(window: Step, sketchMapping: SketchMapping?, partitionCount: Int) {
        self.window = window
        self.sketchMapping = sketchMapping
        self.partitionCount = partitionCount
    }

    /// Whether a partial batch was new (applied) or had been applied before (ignored).
    public enum ApplyResult: Equatable, Sendable { case applied, duplicate }

    /// Whether `batch` would be a duplicate: its range ends at or before what was applied.
    public func isDuplicate(_ batch: PartialBatch) -> Bool {
        guard let done = applied[batch.origin] else { return false }
        return batch.sequenceEnd <= done
    }

    /// Merges a mapper's partial batch, unless its log range was applied already.
    @discardableResult
    public mutating func apply(_ batch: PartialBatch) -> ApplyResult {
        if isDuplicate(batch) { return .duplicate }
        merge(series: batch.series, rows: batch.rows)
        applied[batch.origin] = max(applied[batch.origin] ?? 0, batch.sequenceEnd)
        return .applied
    }

    /// Restores the applied positions recorded by a checkpoint.
    public mutating func restoreApplied(_ positions: [String: UInt64]) {
        applied = positions
    }

    /// Merges rows (indices into `series`) into the open windows.
    public mutating func merge(series: [SeriesEntry], rows: [WindowRow]) {
        var slots = [Int32]()
        slots.reserveCapacity(series.count)
        for entry in series { slots.append(intern(entry)) }
        for row in rows {
            let slot = Int(slots[Int(row.seriesIndex)])
            if open[slot][row.windowStart] == nil {
                open[slot][row.windowStart] = row.state
                openWindowCount += 1
            } else {
                open[slot][row.windowStart]!.merge(row.state)
            }
        }
    }

    private mutating func intern(_ entry: SeriesEntry) -> Int32 {
        if let slot = slotOfSeries[entry.key] { return slot }
        let slot = Int32(slotEntries.count)
        slotOfSeries[entry.key] = slot
        slotEntries.append(entry)
        slotPartitions.append(Int32(PartitionMap.partition(of: entry.key.name, count: partitionCount)))
        slotsOfName[entry.key.name, default: []].append(slot)
        open.append([:])
        return slot
    }

    /// Removes and returns, per partition, the windows that end at or before `cutoff` (ns).
    public mutating func takeSealable(endingBy cutoff: Int64) -> [Int: ReducerRows] {
        let latestStart = cutoff &- window.nanoseconds
        var byPartition = [Int: ReducerRows]()
        for slot in open.indices {
            let sealable = open[slot].filter { $0.key <= latestStart }
            guard !sealable.isEmpty else { continue }
            let partition = Int(slotPartitions[slot])
            var rows = byPartition[partition, default: ReducerRows()]
            let seriesIndex = UInt32(rows.series.count)
            rows.series.append(slotEntries[slot])
            for (start, state) in sealable {
                rows.rows.append(WindowRow(seriesIndex: seriesIndex, windowStart: start, state: state))
                open[slot][start] = nil
            }
            openWindowCount -= sealable.count
            byPartition[partition] = rows
        }
        return byPartition
    }

    /// Every open window, for a snapshot.
    public func allOpenRows() -> ReducerRows {
        var result = ReducerRows()
        result.series = slotEntries
        for (slot, windows) in open.enumerated() {
            for (start, state) in windows {
                result.rows.append(WindowRow(seriesIndex: UInt32(slot), windowStart: start, state: state))
            }
        }
        return result
    }

    /// Adds the open windows of the series that `filter` accepts, starting in `[from, to)`.
    public func openRows(matching filter: SeriesFilter, from: Int64, to: Int64, into accumulator: inout BucketAccumulator) {
        for slot in slotsOfName[filter.name] ?? [] where filter.matches(slotEntries[Int(slot)].key) {
            for (start, state) in open[Int(slot)] where start >= from && start < to {
                accumulator.add(series: slotEntries[Int(slot)].key, windowStart: start, state: state)
            }
        }
    }

    /// Names of series held in memory that start with `prefix`.
    public func names(prefix: String) -> Set<String> {
        Set(slotsOfName.keys.filter { $0.hasPrefix(prefix) })
    }
}
