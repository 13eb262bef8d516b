import Model

/// Collects samples into a `SampleBatch`, giving each distinct series one table entry.
public struct SampleBatchBuilder: Sendable {
    private var batch = SampleBatch(id: 0, series: [], seriesIndices: [], timestamps: [], values: [])
    private var indexOfSeries: [SeriesEntry: UInt32] = [:]

    public init(capacity: Int = 0) {
        batch.seriesIndices.reserveCapacity(capacity)
        batch.timestamps.reserveCapacity(capacity)
        batch.values.reserveCapacity(capacity)
    }

    /// Samples collected so far.
    public var count: Int { batch.count }

    /// The table index of `series`, adding it when new; pass it to `append(seriesIndex:...)`
    /// to skip the lookup for the series' later samples.
    public mutating func intern(_ series: SeriesEntry) -> UInt32 {
        if let index = indexOfSeries[series] { return index }
        let index = UInt32(batch.series.count)
        batch.series.append(series)
        indexOfSeries[series] = index
        return index
    }

    /// Adds a sample of an interned series (`timestamp` in ns, or `SampleBatch.arrivalTime`).
    @inline(__always)
    public mutating func append(seriesIndex: UInt32, timestamp: Int64, value: Double) {
        precondition(Int(seriesIndex) < batch.series.count, "series index \(seriesIndex) was not interned")
        batch.seriesIndices.append(seriesIndex)
        batch.timestamps.append(timestamp)
        batch.values.append(value)
    }

    /// Adds a sample, interning its series.
    public mutating func append(_ sample: Sample) {
        let index = intern(SeriesEntry(key: sample.series, type: sample.type))
        append(seriesIndex: index, timestamp: sample.timestamp?.nanoseconds ?? SampleBatch.arrivalTime, value: sample.value)
    }

    /// Returns the batch with `id` and starts over with an empty one.
    public mutating func finish(id: UInt64) -> SampleBatch {
        var done = batch
        done.id = id
        let capacity = batch.values.capacity
        self = SampleBatchBuilder(capacity: capacity)
        return done
    }
}
