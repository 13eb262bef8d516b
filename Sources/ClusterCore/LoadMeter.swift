import Foundation

/// How busy one partition is on its reducer: samples and window rows merged per second.
public struct PartitionLoad: Codable, Hashable, Sendable {
    public var partition: Int
    public var samplesPerSecond: Double
    public var rowsPerSecond: Double

    public init(partition: Int, samplesPerSecond: Double, rowsPerSecond: Double) {
        self.partition = partition
        self.samplesPerSecond = samplesPerSecond
        self.rowsPerSecond = rowsPerSecond
    }
}

/// Counts the samples and rows merged per partition and turns them into rates smoothed
/// exponentially (half-life `halfLifeSeconds`), for the heartbeat that reports them; pure: the
/// caller passes the time elapsed. Counting is two array increments, with no allocation.
public struct LoadMeter: Sendable {
    public let halfLifeSeconds: Double
    private var samples: [UInt64]
    private var rows: [UInt64]
    private var sampleRates: [Double]
    private var rowRates: [Double]

    public init(partitionCount: Int, halfLifeSeconds: Double = 30) {
        self.halfLifeSeconds = halfLifeSeconds
        samples = Array(repeating: 0, count: partitionCount)
        rows = Array(repeating: 0, count: partitionCount)
        sampleRates = Array(repeating: 0, count: partitionCount)
        rowRates = Array(repeating: 0, count: partitionCount)
    }

    /// One row of `sampleCount` samples merged into `partition`.
    @inline(__always)
    public mutating func add(partition: Int, sampleCount: UInt64) {
        rows[partition] &+= 1
        samples[partition] &+= sampleCount
    }

    /// Folds what was counted over the last `elapsedSeconds` into the rates, starts counting
    /// afresh, and returns the partitions with any load (rates below 0.01/s are dropped).
    public mutating func report(elapsedSeconds: Double) -> [PartitionLoad] {
        guard elapsedSeconds > 0 else { return loads }
        // The weight of the new interval: half of the old rate is left after one half-life.
        let weight = 1 - Foundation.exp(-0.693_147_180_559_945_3 * elapsedSeconds / halfLifeSeconds)  // ln 2
        for partition in samples.indices {
            sampleRates[partition] += weight * (Double(samples[partition]) / elapsedSeconds - sampleRates[partition])
            rowRates[partition] += weight * (Double(rows[partition]) / elapsedSeconds - rowRates[partition])
            if sampleRates[partition] < 0.01 && rowRates[partition] < 0.01 {
                sampleRates[partition] = 0
                rowRates[partition] = 0
            }
            samples[partition] = 0
            rows[partition] = 0
        }
        return loads
    }

    /// The smoothed rates of the partitions with any load.
    public var loads: [PartitionLoad] {
        sampleRates.indices.compactMap { partition in
            sampleRates[partition] > 0 || rowRates[partition] > 0
                ? PartitionLoad(partition: partition, samplesPerSecond: sampleRates[partition], rowsPerSecond: rowRates[partition]) : nil
        }
    }
}
