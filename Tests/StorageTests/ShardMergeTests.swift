import Aggregation
import Foundation
import Model
import TestSupport
import Testing
import Wire
@testable import Storage

@Suite struct ShardMergeTests {
    static let minute: Int64 = 60_000_000_000
    static let hour: Int64 = 3_600_000_000_000

    /// Samples of a few series over a day, split at random among `files` files (a late sample's
    /// correction lands in another file than the rest of its window).
    static func samples(files: Int, using random: inout SeededGenerator) -> [(file: Int, series: Int, time: Int64, value: Double)] {
        (0..<6000).map { _ in
            (Int.random(in: 0..<files, using: &random), Int.random(in: 0..<5, using: &random),
             Int64.random(in: 0..<(24 * hour), using: &random), Double.random(in: -50...50, using: &random).rounded(toPlaces: 3))
        }
    }

    static let series = (0..<5).map { SeriesEntry(key: SeriesKey(name: "load", tags: [Tag("host", "h\($0)")]), type: .gauge) }

    static func write(_ samples: [(file: Int, series: Int, time: Int64, value: Double)], file: Int, at path: String) throws -> ShardReader {
        var states = [Int: [Int64: WindowState]]()
        for sample in samples where sample.file == file {
            states[sample.series, default: [:]][sample.time / minute * minute, default: WindowState()].add(sample.value, at: sample.time)
        }
        let rows = states.flatMap { series, windows in windows.map { WindowRow(seriesIndex: UInt32(series), windowStart: $0.key, state: $0.value) } }
        // Each file names only its own series, in its own order: the merge renumbers them.
        try ShardWriter(rowsPerBlockMax: 37).write(metadata: ShardMetadata(partition: 4, windowNanoseconds: minute, sketchMapping: .standard),
                                                   series: series, rows: rows, to: path)
        return try ShardReader(path: path)
    }

    @Test(arguments: [60_000_000_000, 3_600_000_000_000, 86_400_000_000_000] as [Int64])
    func mergedRowsHoldExactlyTheSamplesOfEveryWindowWhateverFileTheyCameIn(resolution: Int64) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededGenerator(seed: UInt64(resolution % 1000 + 5))
        let samples = Self.samples(files: 3, using: &random)
        let inputs = try (0..<3).map { try Self.write(samples, file: $0, at: directory.path + "/in-\($0).shard") }
        let written = try ShardMerge.merge(inputs, resolution: resolution, partition: 4, sketchMapping: .standard, rowsPerBlockMax: 50,
                                           to: directory.path + "/out.shard")
        let merged = try ShardReader(path: directory.path + "/out.shard")
        let rows = try merged.verify()
        #expect(merged.metadata.windowNanoseconds == resolution && merged.metadata.partition == 4)
        #expect(UInt64(rows.count) == written.rows && merged.fileSize == written.bytes)
        var expected = [SeriesKey: [Int64: [Double]]]()
        for sample in samples { expected[Self.series[sample.series].key, default: [:]][sample.time / resolution * resolution, default: []].append(sample.value) }
        #expect(rows.count == expected.values.reduce(0) { $0 + $1.count })
        for row in rows {
            let values = try #require(expected[merged.series[Int(row.seriesIndex)].key]?[row.windowStart])
            #expect(row.state.count == UInt64(values.count))
            #expect(Exact.relativeError(row.state.value(of: .sum, windowLength: .minute)!, Exact.sum(values)) < 1e-14)
            #expect(row.state.min == values.min()! && row.state.max == values.max()!)
            let p99 = Datasets.exactQuantile(0.99, sorted: values.sorted())
            let got = try #require(row.state.value(of: .quantile(0.99), windowLength: .minute))
            #expect(values.count > 8 ? abs(got - p99) <= 0.011 * abs(p99) + 1e-9 : got == p99)
        }
    }

    @Test func anHourRollupIsTheMergeOfItsMinutesInOrder() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededGenerator(seed: 77)
        let minutes = try Self.write(Self.samples(files: 1, using: &random), file: 0, at: directory.path + "/minutes.shard")
        _ = try ShardMerge.merge([minutes], resolution: Self.hour, partition: 4, sketchMapping: .standard, to: directory.path + "/hours.shard")
        let hours = try ShardReader(path: directory.path + "/hours.shard")
        for (index, entry) in minutes.series.enumerated() {
            var want = [Int64: WindowState]()
            for row in try minutes.rows(seriesIndex: index, from: .min, to: .max) {
                want[row.windowStart / Self.hour * Self.hour, default: WindowState()].merge(row.state)
            }
            let got = try hours.rows(for: entry.key)
            #expect(got.map(\.windowStart) == want.keys.sorted())
            for row in got { Self.expectSameStats(row.state, want[row.windowStart]!) }
        }
    }

    /// Same figures: every stat, and the quantiles at every percentile (the sketch's buckets are
    /// compared by what they answer, not by how their storage happens to be laid out).
    static func expectSameStats(_ got: WindowState, _ want: WindowState) {
        #expect(got.count == want.count && got.sum == want.sum && got.min == want.min && got.max == want.max && got.m2 == want.m2)
        #expect(got.first == want.first && got.last == want.last)
        for percentile in 0...100 {
            let stat = Stat.quantile(Double(percentile) / 100)
            #expect(got.value(of: stat, windowLength: .minute) == want.value(of: stat, windowLength: .minute))
        }
    }

    @Test func aMergeRefusesInputsWhoseWindowDoesNotTileItsResolution() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededGenerator(seed: 3)
        let minutes = try Self.write(Self.samples(files: 1, using: &random), file: 0, at: directory.path + "/m.shard")
        #expect(throws: StorageError.self) {
            try ShardMerge.merge([minutes], resolution: 90_000_000_000 / 2 * 3 + 1, partition: 4, sketchMapping: .standard, to: directory.path + "/x.shard")
        }
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
