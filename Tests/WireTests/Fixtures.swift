import Aggregation
import Model
import TestSupport
import Wire

/// Random batches for round-trip and corruption tests.
enum Fixtures {
    static func series(_ count: Int, using random: inout SeededGenerator) -> [SeriesEntry] {
        (0..<count).map { index in
            let tags = (0..<Int.random(in: 0...3, using: &random)).map { Tag("k\($0)", "v\(Int.random(in: 0...9, using: &random))") }
            return SeriesEntry(key: SeriesKey(name: "metric.\(index)", tags: tags), type: MetricType.allCases.randomElement(using: &random)!)
        }
    }

    static func sampleBatch(samples: Int, series seriesCount: Int, using random: inout SeededGenerator) -> SampleBatch {
        var builder = SampleBatchBuilder(capacity: samples)
        let entries = series(seriesCount, using: &random)
        let indices = entries.map { builder.intern($0) }
        var time: Int64 = 1_767_225_600_000_000_000
        for _ in 0..<samples {
            time += Int64.random(in: -5_000_000...1_000_000_000, using: &random)
            let timestamp = Int.random(in: 0..<50, using: &random) == 0 ? SampleBatch.arrivalTime : time
            builder.append(seriesIndex: indices.randomElement(using: &random)!, timestamp: timestamp, value: Double.random(in: -1e6...1e6, using: &random))
        }
        return builder.finish(id: UInt64.random(in: 0...UInt64.max, using: &random))
    }

    static func partialBatch(rows: Int, series seriesCount: Int, sketches: Bool, using random: inout SeededGenerator) -> PartialBatch {
        let entries = series(seriesCount, using: &random)
        let mapping: SketchMapping? = sketches ? .standard : nil
        let windowRows = (0..<rows).map { _ in
            let start = Int64.random(in: 0...10_000, using: &random) * 60_000_000_000
            var state = WindowState(sketchMapping: mapping)
            for _ in 0..<Int.random(in: 1...20, using: &random) {
                state.add(Datasets.lognormal(1, using: &random)[0] * (Bool.random(using: &random) ? 1 : -1),
                          at: start + Int64.random(in: 0..<60_000_000_000, using: &random))
            }
            return WindowRow(seriesIndex: UInt32.random(in: 0..<UInt32(seriesCount), using: &random), windowStart: start, state: state)
        }
        return PartialBatch(id: 7, origin: "mapper-\(Int.random(in: 0...9, using: &random))", sequenceStart: 100, sequenceEnd: 200,
                            windowNanoseconds: 60_000_000_000, sketchMapping: mapping, series: entries, rows: windowRows)
    }
}
