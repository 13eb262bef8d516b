import Aggregation
import Ingest
import Model
import Wire

/// The mapper's in-memory pre-aggregation: validates decoded sample batches and folds them into
/// one window state per (series, base window) until the next flush. Pure: no I/O, no clock.
public struct MapperAggregator: Sendable {
    public let window: Step
    public let sketchMapping: SketchMapping?
    public let partitionCount: Int
    public let validator: SampleValidator
    public let limits: SeriesLimits
    /// Set from the coordinator's heartbeat: the cluster holds `--cluster-series-max` series, so no new
    /// series is taken anywhere.
    public var clusterFull = false

    // Interned series, by slot: the series this mapper counts as live.
    private var slotOfSeries: [SeriesKey: Int32] = [:]
    private var slotEntries: [SeriesEntry] = []
    /// Each slot's series-table entry, encoded once.
    private var slotEncoded: [[UInt8]] = []
    private var slotPartitions: [Int32] = []
    /// Each slot's `PartitionMap.seriesHash`, which picks its piece of a split partition.
    private var slotHashes: [UInt64] = []
    /// Arrival time (ns) of each slot's latest batch; idle series are forgotten.
    private var slotLastSeen: [Int64] = []
    private var seriesOfName: [String: Int] = [:]
    private var latestArrival: Int64 = .min
    private var lastSweep: Int64 = .min
    // The last window each slot wrote to, and its state: the fast path for in-order data.
    private var slotLastWindow: [Int64] = []
    private var slotLastState: [Int32] = []
    // Open states since the last flush.
    private var stateOfKey = WindowKeyTable()
    private var states: [WindowState] = []
    private var stateKeys: [WindowKey] = []
    /// Bumped whenever slots are renumbered (idle series forgotten): line readers forget theirs.
    public private(set) var seriesEpoch = 0
    // Samples read from line protocol, by slot, until their batch is logged and folded in.
    private var stagedSlots: [Int32] = []
    private var stagedTimes: [Int64] = []
    private var stagedValues: [Double] = []
    /// Slots numbered into the series table of the batch being built.
    private var numbering = SlotNumbering()

    public init(window: Step, sketchMapping: SketchMapping?, partitionCount: Int, validator: SampleValidator = SampleValidator(),
                limits: SeriesLimits = SeriesLimits()) {
        self.window = window
        self.sketchMapping = sketchMapping
        self.partitionCount = partitionCount
        self.validator = validator
        self.limits = limits
    }

    /// Window states held since the last flush.
    public var openStateCount: Int { states.count }

    /// Distinct series interned so far.
    public var seriesCount: Int { slotEntries.count }

    /// Validates and folds in `batch`. Samples without a timestamp get `arrival`. With
    /// `include` (given a series' partition and hash), samples of series it refuses are
    /// skipped silently (log replay).
    /// `trusted` skips the time bounds: for a logged batch replayed after a restart, which was
    /// checked against the bounds in force when it arrived (they may have been tightened since).
    public mutating func add(_ batch: SampleBatch, arrival: Timestamp, trusted: Bool = false,
                             include: ((Int, UInt64) -> Bool)? = nil) -> IngestOutcome {
        var outcome = IngestOutcome()
        latestArrival = max(latestArrival, arrival.nanoseconds)
        // Validate each series of the batch once; map it to a slot or to its error.
        var slots = [Int32](repeating: -1, count: batch.series.count)
        var seriesErrors = [ValidationError?](repeating: nil, count: batch.series.count)
        for (index, entry) in batch.series.enumerated() {
            do {
                try validator.validate(name: entry.key.name)
                try validator.validate(tags: entry.key.tags)
                let slot = try intern(entry, trusted: trusted)
                slots[index] = slot
                slotLastSeen[Int(slot)] = arrival.nanoseconds
            } catch {
                seriesErrors[index] = error
            }
        }
        let windowLength = window.nanoseconds
        for index in 0..<batch.count {
            let seriesIndex = Int(batch.seriesIndices[index])
            let slot = slots[seriesIndex]
            if let include, slot >= 0, !include(Int(slotPartitions[Int(slot)]), slotHashes[Int(slot)]) { continue }
            if let error = seriesErrors[seriesIndex] {
                outcome.reject(index, error)
                continue
            }
            let value = batch.values[index]
            guard value.isFinite else {
                outcome.reject(index, ValidationError(.nonFiniteValue, "value \(value) of '\(batch.series[seriesIndex].key)' is not finite"))
                continue
            }
            var time = batch.timestamps[index]
            if time == SampleBatch.arrivalTime {
                time = arrival.nanoseconds
            } else if !trusted {
                do {
                    try validator.validate(timestamp: Timestamp(nanoseconds: time), now: arrival)
                } catch {
                    outcome.reject(index, error)
                    continue
                }
            }
            let windowStart = time.floorDivided(by: windowLength) &* windowLength
            let state = stateIndex(slot: slot, windowStart: windowStart)
            states[Int(state)].add(value, at: time)
            outcome.accepted += 1
        }
        return outcome
    }

    @inline(__always)
    private mutating func stateIndex(slot: Int32, windowStart: Int64) -> Int32 {
        let slotIndex = Int(slot)
        if slotLastWindow[slotIndex] == windowStart { return slotLastState[slotIndex] }
        let key = WindowKey(slot: slot, windowStart: windowStart)
        let index: Int32
        if let existing = stateOfKey.find(key, keys: stateKeys) {
            index = existing
        } else {
            index = Int32(states.count)
            states.append(WindowState(sketchMapping: sketchMapping))
            stateKeys.append(key)
            stateOfKey.insert(index, keys: stateKeys)
        }
        slotLastWindow[slotIndex] = windowStart
        slotLastState[slotIndex] = index
        return index
    }

    /// The slot of a series; a new one only within the limits (`trusted`: a replayed batch,
    /// whose series were taken when it arrived).
    private mutating func intern(_ entry: SeriesEntry, trusted: Bool) throws(ValidationError) -> Int32 {
        if let slot = slotOfSeries[entry.key] { return slot }
        if !trusted { try checkLimits(entry.key) }
        let slot = Int32(slotEntries.count)
        slotOfSeries[entry.key] = slot
        slotEntries.append(entry)
        slotEncoded.append(SeriesTable.encode(entry: entry))
        slotPartitions.append(Int32(PartitionMap.partition(of: entry.key.name, count: partitionCount)))
        slotHashes.append(PartitionMap.seriesHash(entry.key))
        slotLastWindow.append(.min)
        slotLastState.append(-1)
        slotLastSeen.append(.min)
        seriesOfName[entry.key.name, default: 0] += 1
        return slot
    }

    /// Samples staged by line readers and not yet folded or discarded.
    public var stagedCount: Int { stagedSlots.count }

    /// The frame of a sample batch of the staged samples `range` (for the log), with a series
    /// table of just their series, copied from their encoded entries.
    public mutating func stagedFrame(_ range: Range<Int>, id: UInt64, producerKey: ProducerKey?) -> [UInt8] {
        numbering.begin(slotCount: slotEntries.count)
        var table = EncodedSeriesTable()
        var indices = [UInt32]()
        indices.reserveCapacity(range.count)
        for position in range {
            let slot = Int(stagedSlots[position])
            let (number, isNew) = numbering.number(of: slot, offered: UInt32(table.count))
            if isNew { table.append(slotEncoded[slot]) }
            indices.append(number)
        }
        return SampleBatch.encode(id: id, producerKey: producerKey, table: table, seriesIndices: indices,
                                  timestamps: stagedTimes[range], values: stagedValues[range], compress: false)
    }

    /// Folds the staged samples `range` (validated when they were read) into their windows;
    /// samples without a timestamp get `arrival`.
    public mutating func fold(staged range: Range<Int>, arrival: Timestamp) {
        latestArrival = max(latestArrival, arrival.nanoseconds)
        let windowLength = window.nanoseconds
        for position in range {
            let slot = stagedSlots[position]
            slotLastSeen[Int(slot)] = arrival.nanoseconds
            var time = stagedTimes[position]
            if time == SampleBatch.arrivalTime { time = arrival.nanoseconds }
            let state = stateIndex(slot: slot, windowStart: time.floorDivided(by: windowLength) &* windowLength)
            states[Int(state)].add(stagedValues[position], at: time)
        }
    }

    /// Drops every staged sample (folded, or refused with their batch).
    public mutating func clearStaged() {
        stagedSlots.removeAll(keepingCapacity: true)
        stagedTimes.removeAll(keepingCapacity: true)
        stagedValues.removeAll(keepingCapacity: true)
    }

    private func checkLimits(_ key: SeriesKey) throws(ValidationError) {
        if clusterFull {
            throw ValidationError(.clusterSeriesLimit, "new series '\(key)' refused: the cluster holds its limit of series (the coordinator's --cluster-series-max)")
        }
        if slotEntries.count >= limits.seriesMax {
            throw ValidationError(.seriesLimit, "new series '\(key)' refused: this mapper holds \(slotEntries.count) live series (--series-max \(limits.seriesMax))")
        }
        let ofName = seriesOfName[key.name] ?? 0
        if ofName >= limits.nameSeriesMax {
            throw ValidationError(.nameSeriesLimit, "new series '\(key)' refused: '\(key.name)' has \(ofName) live series (--name-series-max \(limits.nameSeriesMax))")
        }
    }

    /// Takes every open state, grouped by the reducer that takes its series
    /// (`reducerOf(partition, seriesHash)` in `0..<reducerCount`), and starts over empty.
    public mutating func drain(reducerCount: Int, reducerOf: (Int, UInt64) -> Int) -> [PartialRows] {
        var result = (0..<reducerCount).map { _ in PartialRows() }
        numbering.begin(slotCount: slotEntries.count)
        for (position, key) in stateKeys.enumerated() {
            let slot = Int(key.slot)
            let reducer = reducerOf(Int(slotPartitions[slot]), slotHashes[slot])
            // A slot's series, so its reducer, is fixed: one number per slot serves.
            let (number, isNew) = numbering.number(of: slot, offered: UInt32(result[reducer].table.count))
            if isNew { result[reducer].table.append(slotEncoded[slot]) }
            result[reducer].rows.append(WindowRow(seriesIndex: number, windowStart: key.windowStart, state: states[position]))
        }
        states.removeAll(keepingCapacity: true)
        stateKeys.removeAll(keepingCapacity: true)
        stateOfKey.removeAll()
        for slot in slotLastWindow.indices { slotLastWindow[slot] = .min }
        if latestArrival != .min, lastSweep == .min || latestArrival - lastSweep >= limits.sweepIntervalNanoseconds {
            forgetIdleSeries()
        }
        return result
    }

    /// Drops every open state (a resynchronisation rebuilds them from the log).
    public mutating func discardOpenStates() {
        states.removeAll(keepingCapacity: true)
        stateKeys.removeAll(keepingCapacity: true)
        stateOfKey.removeAll()
        for slot in slotLastWindow.indices { slotLastWindow[slot] = .min }
    }

    /// Forgets the series without a sample for `limits.idleNanoseconds` (of arrival time), so
    /// that they no longer count against the limits; called between flushes, when no state
    /// refers to a slot.
    private mutating func forgetIdleSeries() {
        lastSweep = latestArrival
        let cutoff = latestArrival &- limits.idleNanoseconds
        guard slotLastSeen.contains(where: { $0 < cutoff }) else { return }
        seriesEpoch += 1
        let kept = slotEntries.indices.filter { slotLastSeen[$0] >= cutoff }
        slotEntries = kept.map { slotEntries[$0] }
        slotEncoded = kept.map { slotEncoded[$0] }
        slotPartitions = kept.map { slotPartitions[$0] }
        slotHashes = kept.map { slotHashes[$0] }
        slotLastSeen = kept.map { slotLastSeen[$0] }
        slotLastWindow = [Int64](repeating: .min, count: kept.count)
        slotLastState = [Int32](repeating: -1, count: kept.count)
        slotOfSeries.removeAll(keepingCapacity: true)
        seriesOfName.removeAll(keepingCapacity: true)
        for (slot, entry) in slotEntries.enumerated() {
            slotOfSeries[entry.key] = Int32(slot)
            seriesOfName[entry.key.name, default: 0] += 1
        }
    }
}

/// Line readers number series by slot; their samples are staged until logged.
extension MapperAggregator: LineSink {
    public mutating func number(of series: SeriesEntry) throws(ValidationError) -> UInt32 {
        UInt32(try intern(series, trusted: false))
    }

    public mutating func take(series number: UInt32, timestamp: Int64, value: Double) {
        stagedSlots.append(Int32(number))
        stagedTimes.append(timestamp)
        stagedValues.append(value)
    }
}

/// How many series a mapper takes (each refusal names its limit and is counted by reason).
public struct SeriesLimits: Sendable {
    /// Most live series on this mapper (`series_limit`).
    public var seriesMax = 2_000_000
    /// Most live series of one name on this mapper (`name_series_limit`).
    public var nameSeriesMax = 250_000
    /// A series without a sample for this long (arrival time) is no longer live.
    public var idleNanoseconds: Int64 = 600_000_000_000
    /// How often idle series are looked for.
    public var sweepIntervalNanoseconds: Int64 = 60_000_000_000

    public init() {}
}

/// The rows a mapper sends one reducer, with their own series table (encoded).
public struct PartialRows: Sendable {
    public var table = EncodedSeriesTable()
    public var rows: [WindowRow] = []
    public init() {}
}

/// The rows bound for one reducer, with their own series table.
public struct ReducerRows: Sendable {
    public var series: [SeriesEntry] = []
    public var rows: [WindowRow] = []
    public init() {}
}
