import ClusterCore
import Testing

@Suite struct CoordinatorBalanceTests {
    func reducer(_ ordinal: Int, load: [PartitionLoad]) -> NodeReport {
        var report = NodeReport(id: "reducer-\(ordinal)", role: .reducer,
                                endpoints: ["partials": "tcp://p\(ordinal)", "query": "tcp://q\(ordinal)"], ordinal: ordinal)
        report.partitionLoad = load
        return report
    }

    @Test func theViewPlansOverTheReportedLoad() {
        var state = CoordinatorState(partitionCount: 8, reducerCount: 2, windowNanoseconds: 60_000_000_000, sketchAccuracy: 0)
        // Reducer 0 owns the even partitions and carries all of the load; reducer 1 none.
        let heavy = [0, 2, 4, 6].map { PartitionLoad(partition: $0, samplesPerSecond: Double(100 * ($0 + 1)), rowsPerSecond: 10) }
        _ = state.heartbeat(reducer(0, load: heavy), now: 0)
        _ = state.heartbeat(reducer(1, load: []), now: 0)
        var expected = Array(repeating: 0.0, count: 8)
        for entry in heavy { expected[entry.partition] = entry.samplesPerSecond + entry.rowsPerSecond }
        #expect(state.partitionLoad(now: 1) == expected)
        let balance = state.view(now: 1).balance
        #expect(balance == Rebalancer().plan(owners: [0, 1, 0, 1, 0, 1, 0, 1], load: expected, active: [0, 1]))
        #expect(balance.map { $0.moves.contains { $0.from == 0 && $0.to == 1 } && $0.imbalanceAfter < $0.imbalance } == true)
    }

    @Test func aDeadReducersLoadIsDroppedAndItsPartitionsWouldMove() {
        var state = CoordinatorState(partitionCount: 6, reducerCount: 2, windowNanoseconds: 60_000_000_000, sketchAccuracy: 0,
                                     livenessTimeout: 1_000)
        _ = state.heartbeat(reducer(0, load: [PartitionLoad(partition: 0, samplesPerSecond: 5, rowsPerSecond: 1)]), now: 0)
        _ = state.heartbeat(reducer(1, load: [PartitionLoad(partition: 1, samplesPerSecond: 7, rowsPerSecond: 2)]), now: 5_000)
        // At 5 000 ns reducer 0 has been silent past the timeout.
        #expect(state.partitionLoad(now: 5_000) == [0, 9, 0, 0, 0, 0])
        let plan = state.balance(now: 5_000)
        #expect(Set(plan.moves.map(\.partition)) == [0, 2, 4] && plan.moves.allSatisfy { $0.from == 0 && $0.to == 1 })
    }
}
