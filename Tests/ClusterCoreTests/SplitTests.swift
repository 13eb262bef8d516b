import Aggregation
import ClusterCore
import Foundation
import Model
import TestSupport
import Testing
import Wire

/// Hot partitions split by series: when the coordinator splits and joins, how series are
/// routed to pieces, and that a query merged over the pieces answers what one holder would.
@Suite struct SplitTests {
    static let window: Int64 = 60_000_000_000
    static let second: Int64 = 1_000_000_000

    func reducer(_ id: String, ordinal: Int, load: [Int: Double] = [:], progress: HandoverProgress? = nil) -> NodeReport {
        var report = NodeReport(id: id, role: .reducer, endpoints: ["partials": "tcp://p-\(id)", "query": "tcp://q-\(id)"], ordinal: ordinal)
        report.partitionLoad = load.map { PartitionLoad(partition: $0.key, samplesPerSecond: $0.value, rowsPerSecond: 0) }
        report.handover = progress
        return report
    }

    func mapper(_ id: String, fenced: UInt64? = nil) -> NodeReport {
        var report = NodeReport(id: id, role: .mapper, endpoints: [:], watermark: 0)
        report.fenced = fenced
        return report
    }

    /// Three reducers over 12 partitions; every reducer reports `load` for what it holds.
    func cluster() -> CoordinatorState {
        var state = CoordinatorState(partitionCount: 12, reducerCount: 3, windowNanoseconds: Self.window, sketchAccuracy: 0,
                                     livenessTimeout: 1_000 * Self.second)
        state.splitPolicy = SplitPolicy(factor: 1.5, holdNanoseconds: 10 * Self.second, minimumLoad: 40)
        for ordinal in 0..<3 { _ = state.heartbeat(reducer("reducer-\(ordinal)", ordinal: ordinal), now: 0) }
        for id in ["mapper-0", "mapper-1"] { _ = state.heartbeat(mapper(id), now: 0) }
        return state
    }

    /// Each reducer reports the load of the partitions it holds (a split one's load shared evenly).
    func report(_ state: inout CoordinatorState, load: [Double], at now: Int64) {
        for slot in 0..<3 {
            var mine = [Int: Double]()
            for partition in load.indices {
                let holders = state.map.holders(ofPartition: partition)
                if holders.contains(slot) { mine[partition] = load[partition] / Double(holders.count) }
            }
            _ = state.heartbeat(reducer("reducer-\(slot)", ordinal: slot, load: mine), now: now)
        }
    }

    /// Fences the mappers, lets targets report their imports, and completes the handover.
    func complete(_ state: inout CoordinatorState, load: [Double], at now: Int64) throws {
        let handover = try #require(state.map.handover)
        for id in ["mapper-0", "mapper-1"] { _ = state.heartbeat(mapper(id, fenced: handover.id), now: now) }
        _ = state.stepHandover(now: now)
        #expect(state.map.handover?.phase == .copying)
        for target in Set(handover.moves.map(\.to)) {
            let slot = state.map.ordinal(of: target)!
            var report = reducer(target, ordinal: slot, progress: HandoverProgress(id: handover.id, imported: handover.incoming(to: target)))
            report.partitionLoad = []
            _ = state.heartbeat(report, now: now)
        }
        _ = state.stepHandover(now: now)
        #expect(state.map.handover == nil)
        report(&state, load: load, at: now)
    }

    /// A cluster whose partition `hot` carries `load` against 10/s elsewhere, hot from 1 s on
    /// and split by the handover that starts at 20 s and completes at 21 s.
    func splitCluster(hot: Int, load: Double) throws -> (state: CoordinatorState, load: [Double]) {
        var state = cluster()
        var loads = [Double](repeating: 10, count: 12)
        loads[hot] = load
        report(&state, load: loads, at: Self.second)
        _ = state.stepHandover(now: Self.second)
        report(&state, load: loads, at: 20 * Self.second)
        _ = state.stepHandover(now: 20 * Self.second)
        try complete(&state, load: loads, at: 21 * Self.second)
        return (state, loads)
    }

    @Test func aPartitionHotForTheHoldTimeIsSplitAndJoinedOnceItCools() throws {
        var state = cluster()
        // Partition 4 carries 600 of 900 samples/s: 2× a reducer's fair share (300).
        var load = [Double](repeating: 300.0 / 11, count: 12)
        load[4] = 600
        report(&state, load: load, at: Self.second)
        #expect(state.stepHandover(now: Self.second) == nil)
        report(&state, load: load, at: 5 * Self.second)
        #expect(state.stepHandover(now: 5 * Self.second) == nil, "not hot for the hold time yet")
        report(&state, load: load, at: 12 * Self.second)
        #expect(state.stepHandover(now: 12 * Self.second) != nil)
        let split = try #require(state.map.handover)
        #expect(split.moves.isEmpty, "a split moves no file")
        let owner = state.map.owners[4]
        #expect(split.splits == [PartitionSplit(partition: 4, pieces: [owner] + [0, 1, 2].filter { $0 != owner })])
        try complete(&state, load: load, at: 13 * Self.second)
        #expect(state.map.epoch == 1 && state.map.splits.count == 1)
        #expect(Set(state.map.holders(ofPartition: 4)) == [0, 1, 2] && state.map.owners[4] == owner)
        #expect(state.map.partitions(heldBy: "reducer-\((owner + 1) % 3)").contains(4))
        // Still hot: it stays split.
        report(&state, load: load, at: 40 * Self.second)
        #expect(state.stepHandover(now: 40 * Self.second) == nil)
        // It cools to 50 of 350/s, below half the threshold (1.5 × 350 / 3 / 2 = 87.5/s): after
        // the hold time the pieces go home.
        load[4] = 50
        report(&state, load: load, at: 50 * Self.second)
        #expect(state.stepHandover(now: 50 * Self.second) == nil)
        report(&state, load: load, at: 61 * Self.second)
        #expect(state.stepHandover(now: 61 * Self.second) != nil)
        let join = try #require(state.map.handover)
        #expect(join.splits == nil)
        #expect(Set(join.moves.map(\.from)) == Set([0, 1, 2].filter { $0 != owner }.map { "reducer-\($0)" }))
        #expect(join.moves.allSatisfy { $0.partition == 4 && $0.to == "reducer-\(owner)" })
        try complete(&state, load: load, at: 62 * Self.second)
        #expect(state.map.splits.isEmpty && state.map.holders(ofPartition: 4) == [owner] && state.map.epoch == 2)
    }

    @Test func aMembershipChangeUndoesSplitsFirstAndFactorZeroSplitsNothing() throws {
        var (state, load) = try splitCluster(hot: 7, load: 2_000)
        #expect(state.map.splits.map(\.partition) == [7])
        try state.drain("reducer-2", now: 22 * Self.second)
        _ = state.stepHandover(now: 22 * Self.second)
        let undo = try #require(state.map.handover)
        #expect(undo.splits == nil && undo.reducers.count == 3 && undo.reason.contains("membership change"))
        try complete(&state, load: load, at: 23 * Self.second)
        #expect(state.map.splits.isEmpty)
        _ = state.stepHandover(now: 24 * Self.second)
        let drain = try #require(state.map.handover)
        #expect(drain.reason.contains("reducer-2 drains") && drain.splits == nil)

        var off = cluster()
        off.splitPolicy.factor = 0
        report(&off, load: load, at: Self.second)
        _ = off.stepHandover(now: Self.second)
        report(&off, load: load, at: 30 * Self.second)
        #expect(off.stepHandover(now: 30 * Self.second) == nil && off.map.splits.isEmpty)
    }

    @Test func seriesOfASplitPartitionGoToThePieceTheirHashNames() throws {
        let map = try splitCluster(hot: 2, load: 1_000).state.map
        let split = try #require(map.split(of: 2))
        let name = (0..<10_000).lazy.map { "hot.\($0)" }.first { map.partition(of: $0) == 2 }!
        var aggregator = MapperAggregator(window: Step(nanoseconds: Self.window)!, sketchMapping: nil, partitionCount: 12)
        var builder = SampleBatchBuilder()
        let keys = (0..<300).map { SeriesKey(name: name, tags: [Tag("host", "h\($0)")]) }
        for (index, key) in keys.enumerated() {
            builder.append(Sample(name: name, value: Double(index), timestamp: Timestamp(nanoseconds: Int64(index) * Self.second), tags: key.tags))
        }
        let batch = builder.finish(id: 1)
        #expect(aggregator.add(batch, arrival: Timestamp(nanoseconds: 300 * Self.second)).accepted == 300)
        let router = PartitionRouter(map)
        let groups = aggregator.drain(reducerCount: 3) { router.slot(partition: $0, seriesHash: $1) }
        var seen = Set<SeriesKey>()
        for (slot, rows) in groups.enumerated() {
            let series = try rows.table.entries()
            for entry in series {
                #expect(split.slot(ofSeriesHash: PartitionMap.seriesHash(entry.key)) == slot)
                seen.insert(entry.key)
            }
            // A hash spreads 300 series over 3 pieces: each takes a fair part.
            #expect(series.count > 60, "piece \(slot) took \(series.count) of 300 series")
        }
        #expect(seen == Set(keys))
    }

    @Test func aQueryMergedOverPiecesAnswersWhatOneHolderWould() throws {
        var random = SeededGenerator(seed: 7)
        let mapping = SketchMapping(relativeAccuracy: 0.01)
        let spec = QuerySpec(name: "hot", from: 0, to: 30 * Self.window, step: 5 * Self.window, groupBy: [],
                             stats: ["count", "sum", "min", "max", "avg", "p50", "p99"])
        var whole = BucketAccumulator(spec: spec)
        var pieces = [BucketAccumulator(spec: spec), BucketAccumulator(spec: spec), BucketAccumulator(spec: spec)]
        // The reference, computed apart: per bucket, the integer values themselves.
        var reference = [Int64: [Int]]()
        for series in 0..<40 {
            let key = SeriesKey(name: "hot", tags: [Tag("host", "h\(series)")])
            for window in 0..<30 {
                var states = [WindowState(sketchMapping: mapping), WindowState(sketchMapping: mapping), WindowState(sketchMapping: mapping)]
                var all = WindowState(sketchMapping: mapping)
                for _ in 0..<Int.random(in: 0...12, using: &random) {
                    let value = Int.random(in: -1_000...1_000, using: &random)
                    let time = Int64(window) * Self.window + Int64.random(in: 0..<Self.window, using: &random)
                    // The same series' samples land on several holders (before and after a split).
                    states[Int.random(in: 0..<3, using: &random)].add(Double(value), at: time)
                    all.add(Double(value), at: time)
                    reference[spec.bucketStart(time), default: []].append(value)
                }
                let start = Int64(window) * Self.window
                for (piece, state) in states.enumerated() where state.count > 0 { pieces[piece].add(series: key, windowStart: start, state: state) }
                if all.count > 0 { whole.add(series: key, windowStart: start, state: all) }
            }
        }
        let decoded = try pieces.map { try QueryStates.decode(QueryStates($0, window: Self.window, sketchMapping: mapping).encode()) }
        let merged = try QueryStates.merge(decoded, spec: spec)
        let single = try QueryAnswer(whole)
        #expect(merged.groups.count == 1)
        let group = try #require(merged.groups.first)
        #expect(group.starts == reference.keys.sorted())
        for (index, start) in group.starts.enumerated() {
            let values = reference[start]!
            #expect(group.columns[0][index] == Double(values.count))
            #expect(group.columns[1][index] == Double(values.reduce(0, +)))
            #expect(group.columns[2][index] == Double(values.min()!) && group.columns[3][index] == Double(values.max()!))
        }
        // Every stat, the quantiles included, as one holder of all the data computes it.
        #expect(merged == single)
    }
}
