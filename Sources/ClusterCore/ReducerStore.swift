import Aggregation
import Model
import Wire

/// A reducer's in-memory state: the windows not yet sealed into shard files (open windows and
/// late corrections alike), and how far each mapper's log has been applied. Pure: no I/O.
///
/// Window states live in one arena (parallel arrays indexed by state number, with a free list),
/// linked per series newest first, so that a query walks only the windows of the series it
/// matches, a row for the newest window, a newer or an older one than all is placed without a
/// search (no hashing per row), and sealing walks the arena once.
public struct ReducerStore: Sendable {
    public let window: Step
    public let sketchMapping: SketchMapping?
    public let partitionCount: Int
    /// Per mapper: the end of its log up to which partials were applied here.
    public private(set) var applied: [String: UInt64] = [:]

    // Interned series, by slot; a forgotten slot is reused.
    private var slotOfSeries: [SeriesKey: Int32] = [:]
    private var slotEntries: [SeriesEntry] = []
    private var slotPartitions: [Int32] = []
    /// Samples and rows merged per partition, for the heartbeat's load report.
    public var load: LoadMeter
    private var slotsOfName: [String: [Int32]] = [:]
    /// The newest and the oldest state of each slot's list (`-1`: none), and how many it has.
    private var slotHead: [Int32] = []
    private var slotTail: [Int32] = []
    private var slotOpen: [Int32] = []
    private var freeSlots: [Int32] = []

    // The arena of open window states.
    public private(set) var openWindowCount = 0
    private var states: [WindowState] = []
    private var keys: [WindowKey] = []
    private var nextInSlot: [Int32] = []
    private var previousInSlot: [Int32] = []
    private var freeStates: [Int32] = []
    /// Slots numbered into the series tables of a seal or snapshot being taken.
    private var numbering = SlotNumbering()

    public init(window: Step, sketchMapping: SketchMapping?, partitionCount: Int) {
        self.window = window
        self.sketchMapping = sketchMapping
        self.partitionCount = partitionCount
        load = LoadMeter(partitionCount: partitionCount)
    }

    /// Series held in memory (those with open windows, and the recently seen).
    public var seriesCount: Int { slotOfSeries.count }

    /// Whether a partial batch was new (applied) or had been applied before (ignored).
    public enum ApplyResult: Equatable, Sendable { case applied, duplicate }

    /// Whether `batch` would be a duplicate: its range ends at or before what was applied.
    public func isDuplicate(_ batch: PartialBatch) -> Bool {
        guard let done = applied[batch.origin] else { return false }
        return batch.sequenceEnd <= done
    }

    /// Merges a mapper's partial batch, unless its log range was applied already.
    @discardableResult
    public mutating func apply(_ batch: consuming PartialBatch) -> ApplyResult {
        if isDuplicate(batch) { return .duplicate }
        // The rows move out of the batch, and their states into the arena.
        var rows = batch.rows
        batch.rows = []
        merge(series: batch.series, moving: &rows)
        applied[batch.origin] = max(applied[batch.origin] ?? 0, batch.sequenceEnd)
        return .applied
    }

    /// Restores the applied positions recorded by a checkpoint.
    public mutating func restoreApplied(_ positions: [String: UInt64]) {
        applied = positions
    }

    /// Merges rows (indices into `series`) into the open windows.
    public mutating func merge(series: [SeriesEntry], rows: [WindowRow]) {
        var copy = rows
        merge(series: series, moving: &copy)
    }

    /// Merges rows, moving their states out (each row is left with an empty state).
    private mutating func merge(series: [SeriesEntry], moving rows: inout [WindowRow]) {
        var slots = [Int32]()
        slots.reserveCapacity(series.count)
        for entry in series { slots.append(intern(entry)) }
        for position in rows.indices {
            let slot = Int(slots[Int(rows[position].seriesIndex)])
            let start = rows[position].windowStart
            var state = WindowState(sketchMapping: nil)
            swap(&state, &rows[position].state)
            load.add(partition: Int(slotPartitions[slot]), sampleCount: state.count)
            // Find the first window of the list (newest first) not newer than this row's.
            var after: Int32 = -1
            var index = slotHead[slot]
            if index >= 0 && keys[Int(index)].windowStart > start {
                let tail = slotTail[slot]
                if keys[Int(tail)].windowStart > start {
                    after = tail
                    index = -1
                } else {
                    while index >= 0 && keys[Int(index)].windowStart > start {
                        after = index
                        index = nextInSlot[Int(index)]
                    }
                }
            }
            if index >= 0 && keys[Int(index)].windowStart == start {
                states[Int(index)].merge(state)
            } else {
                insert(WindowKey(slot: Int32(slot), windowStart: start), state, after: after)
            }
        }
    }

    /// Links a new state into its slot's list right after `after` (`-1`: at the head).
    private mutating func insert(_ key: WindowKey, _ state: consuming WindowState, after: Int32) {
        let index: Int32
        if let reused = freeStates.popLast() {
            index = reused
            states[Int(index)] = state
            keys[Int(index)] = key
        } else {
            index = Int32(states.count)
            states.append(state)
            keys.append(key)
            nextInSlot.append(-1)
            previousInSlot.append(-1)
        }
        let slot = Int(key.slot)
        let next = after >= 0 ? nextInSlot[Int(after)] : slotHead[slot]
        nextInSlot[Int(index)] = next
        previousInSlot[Int(index)] = after
        if after >= 0 { nextInSlot[Int(after)] = index } else { slotHead[slot] = index }
        if next >= 0 { previousInSlot[Int(next)] = index } else { slotTail[slot] = index }
        slotOpen[slot] += 1
        openWindowCount += 1
    }

    /// Unlinks state `index` and returns it to the free list (its state was moved out).
    private mutating func remove(_ index: Int32) {
        let key = keys[Int(index)]
        let slot = Int(key.slot)
        let next = nextInSlot[Int(index)]
        let previous = previousInSlot[Int(index)]
        if previous >= 0 { nextInSlot[Int(previous)] = next } else { slotHead[slot] = next }
        if next >= 0 { previousInSlot[Int(next)] = previous } else { slotTail[slot] = previous }
        slotOpen[slot] -= 1
        openWindowCount -= 1
        keys[Int(index)] = WindowKey(slot: -1, windowStart: 0)
        freeStates.append(index)
    }

    private mutating func intern(_ entry: SeriesEntry) -> Int32 {
        if let slot = slotOfSeries[entry.key] { return slot }
        let partition = Int32(PartitionMap.partition(of: entry.key.name, count: partitionCount))
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            slotEntries[Int(slot)] = entry
            slotPartitions[Int(slot)] = partition
            slotHead[Int(slot)] = -1
            slotTail[Int(slot)] = -1
            slotOpen[Int(slot)] = 0
        } else {
            slot = Int32(slotEntries.count)
            slotEntries.append(entry)
            slotPartitions.append(partition)
            slotHead.append(-1)
            slotTail.append(-1)
            slotOpen.append(0)
        }
        slotOfSeries[entry.key] = slot
        slotsOfName[entry.key.name, default: []].append(slot)
        return slot
    }

    /// Removes and returns, per partition, the windows that end at or before `cutoff` (ns), and
    /// every window of the partitions `including` (given away by a handover): one pass over the
    /// open windows. Series left without an open window are forgotten (a new partial interns
    /// them again), so memory follows the series that are live.
    public mutating func takeSealable(endingBy cutoff: Int64?, including: Set<Int> = []) -> [Int: ReducerRows] {
        // Without a cutoff no window has ended for sure.
        let latestStart = cutoff.map { $0 &- window.nanoseconds } ?? .min
        var byPartition = [ReducerRows?](repeating: nil, count: partitionCount)
        numbering.begin(slotCount: slotEntries.count)
        var emptied = [Int32]()
        for index in keys.indices {
            let key = keys[index]
            guard key.slot >= 0 else { continue }
            let slot = Int(key.slot)
            let partition = Int(slotPartitions[slot])
            guard (cutoff != nil && key.windowStart <= latestStart) || including.contains(partition) else { continue }
            if byPartition[partition] == nil { byPartition[partition] = ReducerRows() }
            let (number, isNew) = numbering.number(of: slot, offered: UInt32(byPartition[partition]!.series.count))
            if isNew { byPartition[partition]!.series.append(slotEntries[slot]) }
            // The state moves out of the arena (an empty one takes its place).
            var state = WindowState(sketchMapping: nil)
            swap(&state, &states[index])
            byPartition[partition]!.rows.append(WindowRow(seriesIndex: number, windowStart: key.windowStart, state: state))
            remove(Int32(index))
            if slotOpen[slot] == 0 { emptied.append(key.slot) }
        }
        forget(emptied)
        var result = [Int: ReducerRows]()
        for (partition, rows) in byPartition.enumerated() where rows != nil { result[partition] = rows }
        return result
    }

    /// The partitions that have open windows here.
    public var partitionsWithOpenWindows: Set<Int> {
        var result = Set<Int>()
        for slot in slotOpen.indices where slotOpen[slot] > 0 { result.insert(Int(slotPartitions[slot])) }
        return result
    }

    /// Discards every open window of `partitions` (ones this reducer gave away); returns how many.
    public mutating func drop(partitions: Set<Int>) -> Int {
        var emptied = [Int32]()
        var dropped = 0
        for index in keys.indices where keys[index].slot >= 0 && partitions.contains(Int(slotPartitions[Int(keys[index].slot)])) {
            let slot = keys[index].slot
            states[index] = WindowState(sketchMapping: nil)
            remove(Int32(index))
            dropped += 1
            if slotOpen[Int(slot)] == 0 { emptied.append(slot) }
        }
        forget(emptied)
        return dropped
    }

    /// Forgets series slots that hold no open window.
    private mutating func forget(_ slots: [Int32]) {
        guard !slots.isEmpty else { return }
        var byName = [String: Set<Int32>]()
        for slot in slots where slotOpen[Int(slot)] == 0 {
            let key = slotEntries[Int(slot)].key
            slotOfSeries[key] = nil
            byName[key.name, default: []].insert(slot)
            freeSlots.append(slot)
        }
        for (name, gone) in byName {
            let kept = slotsOfName[name, default: []].filter { !gone.contains($0) }
            slotsOfName[name] = kept.isEmpty ? nil : kept
        }
    }

    /// Every open window, for a snapshot, with a series table of just the series they use.
    public mutating func allOpenRows() -> ReducerRows {
        var result = ReducerRows()
        result.rows.reserveCapacity(openWindowCount)
        numbering.begin(slotCount: slotEntries.count)
        for index in keys.indices where keys[index].slot >= 0 {
            let key = keys[index]
            let (number, isNew) = numbering.number(of: Int(key.slot), offered: UInt32(result.series.count))
            if isNew { result.series.append(slotEntries[Int(key.slot)]) }
            result.rows.append(WindowRow(seriesIndex: number, windowStart: key.windowStart, state: states[index]))
        }
        return result
    }

    /// Adds the open windows of the series that `filter` accepts, starting in `[from, to)`.
    public func openRows(matching filter: SeriesFilter, from: Int64, to: Int64,
                         into accumulator: inout BucketAccumulator) throws(QuerySeriesLimitError) {
        for slot in slotsOfName[filter.name] ?? [] where filter.matches(slotEntries[Int(slot)].key) {
            try accumulator.admit(slotEntries[Int(slot)].key)
            let group = accumulator.groupNumber(of: slotEntries[Int(slot)].key)
            var index = slotHead[Int(slot)]
            while index >= 0 {
                let start = keys[Int(index)].windowStart
                if start >= from && start < to {
                    accumulator.add(group: group, windowStart: start, state: states[Int(index)])
                }
                index = nextInSlot[Int(index)]
            }
        }
    }

    /// The series of `name` held in memory.
    public func series(named name: String) -> [SeriesEntry] {
        (slotsOfName[name] ?? []).map { slotEntries[Int($0)] }
    }

    /// Names of series held in memory that start with `prefix`.
    public func names(prefix: String) -> Set<String> {
        Set(slotsOfName.keys.filter { $0.hasPrefix(prefix) })
    }
}
