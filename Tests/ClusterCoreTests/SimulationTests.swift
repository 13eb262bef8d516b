import Aggregation
import ClusterCore
import Model
import TestSupport
import Testing
import Wire

/// A seeded simulation of the data path over the real state machines: mappers aggregate and
/// flush, the network duplicates and delays partial batches, reducers crash and recover from
/// their checkpoint plus log. Every answer must equal a single fold of all samples.
@Suite struct SimulationTests {
    struct Delivery {
        var reducer: Int
        var frame: [UInt8]
    }

    @Test(arguments: 0..<12)
    func duplicatesDelaysAndCrashesNeverChangeAnAnswer(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let reducerCount = Int.random(in: 1...3, using: &random)
        let mapperCount = Int.random(in: 1...3, using: &random)
        let map = PartitionMap(partitionCount: 16, reducerCount: reducerCount)
        var mappers = (0..<mapperCount).map { _ in MapperAggregator(window: .minute, sketchMapping: .standard, partitionCount: 16) }
        var positions = [UInt64](repeating: 0, count: mapperCount)
        var starts = [[UInt64]](repeating: [UInt64](repeating: 0, count: reducerCount), count: mapperCount)
        var reducers = (0..<reducerCount).map { _ in ReducerStore(window: .minute, sketchMapping: .standard, partitionCount: 16) }
        // Each reducer's durable log since its last checkpoint, and the checkpoint itself.
        var logs = [[[UInt8]]](repeating: [], count: reducerCount)
        var checkpoints = reducers
        var network = [Delivery]()
        var reference = [SeriesKey: [Int64: WindowState]]()
        let now = Timestamp(nanoseconds: 1_800_000_000_000_000_000)

        for step in 0..<200 {
            // A producer batch to a random mapper.
            let mapper = Int.random(in: 0..<mapperCount, using: &random)
            var builder = SampleBatchBuilder()
            for _ in 0..<Int.random(in: 1...50, using: &random) {
                let sample = Sample(name: "m\(Int.random(in: 0..<6, using: &random))", value: Double(Int.random(in: -1000...1000, using: &random)) / 8,
                                    timestamp: now.advanced(by: -Int64.random(in: 0..<600_000_000_000, using: &random)),
                                    tags: [Tag("h", "\(Int.random(in: 0..<3, using: &random))")])
                builder.append(sample)
                let window = Step.minute.windowStart(of: sample.timestamp!).nanoseconds
                reference[sample.series, default: [:]][window, default: WindowState()].add(sample.value, at: sample.timestamp!.nanoseconds)
            }
            let outcome = mappers[mapper].add(builder.finish(id: UInt64(step)), arrival: now)
            #expect(outcome.rejected == 0)
            positions[mapper] += 1
            // Sometimes a mapper flushes: one partial batch per reducer for its log range.
            if Bool.random(using: &random) {
                let groups = mappers[mapper].drain(reducerCount: reducerCount) { map.reducerOrdinal(ofPartition: $0) }
                for (ordinal, rows) in groups.enumerated() {
                    let batch = PartialBatch(id: 0, origin: "mapper-\(mapper)", sequenceStart: starts[mapper][ordinal], sequenceEnd: positions[mapper],
                                             windowNanoseconds: Step.minute.nanoseconds, sketchMapping: .standard, series: rows.series, rows: rows.rows)
                    starts[mapper][ordinal] = positions[mapper]
                    network.append(Delivery(reducer: ordinal, frame: batch.encode()))
                }
            }
            deliver(&network, &reducers, &logs, &random, final: false)
            // Sometimes a reducer checkpoints, or crashes and recovers.
            let ordinal = Int.random(in: 0..<reducerCount, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                checkpoints[ordinal] = reducers[ordinal]
                logs[ordinal].removeAll()
            case 1:
                reducers[ordinal] = checkpoints[ordinal]
                for frame in logs[ordinal] { reducers[ordinal].apply(try PartialBatch.decode(frame)) }
            default:
                break
            }
        }
        // Final flush of every mapper, then deliver everything.
        for mapper in 0..<mapperCount where positions[mapper] > 0 {
            let groups = mappers[mapper].drain(reducerCount: reducerCount) { map.reducerOrdinal(ofPartition: $0) }
            for (ordinal, rows) in groups.enumerated() {
                let batch = PartialBatch(id: 0, origin: "mapper-\(mapper)", sequenceStart: starts[mapper][ordinal], sequenceEnd: positions[mapper] + 1,
                                         windowNanoseconds: Step.minute.nanoseconds, sketchMapping: .standard, series: rows.series, rows: rows.rows)
                network.append(Delivery(reducer: ordinal, frame: batch.encode()))
            }
        }
        deliver(&network, &reducers, &logs, &random, final: true)

        for (series, windows) in reference {
            let spec = QuerySpec(name: series.name, from: .min, to: .max, step: Step.minute.nanoseconds, tags: series.tags)
            var accumulator = BucketAccumulator(spec: spec)
            let ordinal = map.reducerOrdinal(ofPartition: map.partition(of: series.name))
            reducers[ordinal].openRows(matching: spec.filter, from: .min, to: .max, into: &accumulator)
            let got = accumulator.groups[SeriesKey(name: series.name, tags: series.tags)] ?? [:]
            #expect(Set(got.keys) == Set(windows.keys), "seed \(seed) \(series)")
            for (window, want) in windows {
                guard let state = got[window] else { continue }
                #expect(state.count == want.count && state.min == want.min && state.max == want.max && state.first == want.first && state.last == want.last,
                        "seed \(seed) \(series) @\(window)")
                #expect(Exact.relativeError(state.sum.value, want.sum.value) <= 1e-12, "seed \(seed)")
            }
        }
    }

    /// Delivers some (or, when `final`, all) pending batches in order per reducer, each
    /// possibly twice (a resend after a lost acknowledgement); the reducer logs what it applies.
    func deliver(_ network: inout [Delivery], _ reducers: inout [ReducerStore], _ logs: inout [[[UInt8]]],
                 _ random: inout SeededGenerator, final: Bool) {
        while let first = network.first, final || Bool.random(using: &random) {
            network.removeFirst()
            let batch = try! PartialBatch.decode(first.frame)
            for _ in 0..<(Bool.random(using: &random) ? 2 : 1) where reducers[first.reducer].apply(batch) == .applied {
                logs[first.reducer].append(first.frame)
            }
        }
    }
}
