import Aggregation
import ClusterCore
import Foundation
import Model
import Testing
import Wire

/// The coordinator's handover state machine: who joins and who drains, the fence, the copy,
/// the flip, and a handover abandoned on a failure or a timeout.
@Suite struct CoordinatorHandoverTests {
    static let window: Int64 = 60_000_000_000

    func reducer(_ id: String, ordinal: Int, progress: HandoverProgress? = nil, holding: [Int]? = nil) -> NodeReport {
        var report = NodeReport(id: id, role: .reducer, endpoints: ["partials": "tcp://p-\(id)", "query": "tcp://q-\(id)"], ordinal: ordinal)
        report.handover = progress
        report.holding = holding
        return report
    }

    func mapper(_ id: String, fenced: UInt64? = nil) -> NodeReport {
        var report = NodeReport(id: id, role: .mapper, endpoints: [:], watermark: 0)
        report.fenced = fenced
        return report
    }

    /// A cluster of `reducers` registered reducers and two mappers, at time 0.
    func cluster(reducers: Int, partitions: Int = 8) -> CoordinatorState {
        var state = CoordinatorState(partitionCount: partitions, reducerCount: reducers, windowNanoseconds: Self.window, sketchAccuracy: 0)
        for ordinal in 0..<reducers { _ = state.heartbeat(reducer("reducer-\(ordinal)", ordinal: ordinal), now: 0) }
        for id in ["mapper-0", "mapper-1"] { _ = state.heartbeat(mapper(id), now: 0) }
        return state
    }

    /// Mappers report themselves fenced, the coordinator moves to copying, targets import.
    func complete(_ state: inout CoordinatorState, at now: Int64) throws {
        let handover = try #require(state.map.handover)
        for id in ["mapper-0", "mapper-1"] { _ = state.heartbeat(mapper(id, fenced: handover.id), now: now) }
        _ = state.stepHandover(now: now)
        #expect(state.map.handover?.phase == .copying)
        for target in Set(handover.moves.map(\.to)) {
            let ordinal = handover.reducers.firstIndex { $0?.id == target }!
            _ = state.heartbeat(reducer(target, ordinal: ordinal, progress: HandoverProgress(id: handover.id, imported: handover.incoming(to: target))), now: now)
        }
        _ = state.stepHandover(now: now)
    }

    @Test func aJoiningReducerTakesAFairShareThroughFenceCopyAndFlip() throws {
        var state = cluster(reducers: 1)
        #expect(state.stepHandover(now: 1) == nil)
        _ = state.heartbeat(reducer("reducer-1", ordinal: 1), now: 1)
        #expect(state.joiners(now: 1).map(\.id) == ["reducer-1"])
        let version = state.map.version
        #expect(state.stepHandover(now: 2) != nil)
        let handover = try #require(state.map.handover)
        #expect(handover.phase == .fencing && state.map.version > version)
        // Idle partitions spread by count: half of them move to the joiner.
        #expect(handover.moves.count == 4 && handover.moves.allSatisfy { $0.from == "reducer-0" && $0.to == "reducer-1" })
        #expect(handover.reducers.map { $0?.id } == ["reducer-0", "reducer-1"])
        // One mapper fenced is not enough.
        _ = state.heartbeat(mapper("mapper-0", fenced: handover.id), now: 3)
        #expect(state.stepHandover(now: 3) == nil)
        #expect(state.view(now: 3).handoverWaitsFor == ["mapper-1 to hold its flushes"])
        _ = state.heartbeat(mapper("mapper-1", fenced: handover.id), now: 3)
        _ = state.stepHandover(now: 3)
        #expect(state.map.handover?.phase == .copying)
        // A partial import is not enough either.
        let incoming = handover.incoming(to: "reducer-1")
        _ = state.heartbeat(reducer("reducer-1", ordinal: 1, progress: HandoverProgress(id: handover.id, imported: Array(incoming.dropLast()))), now: 4)
        #expect(state.stepHandover(now: 4) == nil && state.map.epoch == 0)
        _ = state.heartbeat(reducer("reducer-1", ordinal: 1, progress: HandoverProgress(id: handover.id, imported: incoming)), now: 5)
        #expect(state.stepHandover(now: 5) != nil)
        #expect(state.map.handover == nil && state.map.epoch == 1)
        #expect(state.map.reducers.map { $0?.id } == ["reducer-0", "reducer-1"])
        #expect(state.map.partitions(ownedBy: "reducer-1").sorted() == incoming.sorted())
        #expect(state.map.partitions(ownedBy: "reducer-0").count == 4)
        #expect(state.lastHandover?.completed == true && state.lastHandover?.moves == 4)
    }

    @Test func aDrainMovesEverythingAwayAndTheLastReducerStays() throws {
        var state = cluster(reducers: 3, partitions: 9)
        #expect(throws: MembershipError.self) { try state.drain("reducer-7", now: 1) }
        try state.drain("reducer-1", now: 1)
        _ = state.stepHandover(now: 2)
        let handover = try #require(state.map.handover)
        #expect(Set(handover.moves.map(\.partition)) == Set(state.map.partitions(ownedBy: "reducer-1")))
        #expect(handover.moves.allSatisfy { $0.from == "reducer-1" && $0.to != "reducer-1" })
        try complete(&state, at: 3)
        #expect(state.map.reducers.map { $0?.id } == ["reducer-0", "reducer-2"])
        #expect(state.map.owners.count == 9 && Set(state.map.owners) == [0, 1])
        // Still draining until it stops; then forgotten, so that started again it joins.
        #expect(state.draining == ["reducer-1"])
        _ = state.heartbeat(reducer("reducer-0", ordinal: 0), now: 10_000_000_000)
        _ = state.heartbeat(reducer("reducer-2", ordinal: 2), now: 10_000_000_000)
        _ = state.stepHandover(now: 10_000_000_000)
        #expect(state.draining.isEmpty)
        try state.drain("reducer-0", now: 10_000_000_000)
        #expect(throws: MembershipError.self) { try state.drain("reducer-2", now: 10_000_000_000) }
    }

    @Test func aMapperThatIsDownDoesNotHoldUpTheFence() throws {
        var state = cluster(reducers: 1)
        let later: Int64 = 10_000_000_000
        _ = state.heartbeat(reducer("reducer-0", ordinal: 0), now: later)
        _ = state.heartbeat(reducer("reducer-1", ordinal: 1), now: later)
        _ = state.stepHandover(now: later)
        let handover = try #require(state.map.handover)
        // mapper-1 was last heard of at 0 (scaled down, say); mapper-0 is alive and not fenced yet.
        _ = state.heartbeat(mapper("mapper-0"), now: later)
        #expect(state.view(now: later).handoverWaitsFor == ["mapper-0 to hold its flushes"])
        _ = state.heartbeat(mapper("mapper-0", fenced: handover.id), now: later)
        _ = state.stepHandover(now: later)
        #expect(state.map.handover?.phase == .copying)
    }

    @Test func scalingDownDrainsTheLastReducers() throws {
        var state = cluster(reducers: 3)
        try state.scale(reducers: 1, now: 1)
        #expect(state.draining == ["reducer-1", "reducer-2"] && state.desiredReducers == 1)
        #expect(throws: MembershipError.self) { try state.scale(reducers: 0, now: 1) }
        _ = state.stepHandover(now: 2)
        try complete(&state, at: 3)
        #expect(state.map.reducers.map { $0?.id } == ["reducer-0"] && Set(state.map.owners) == [0])
    }

    @Test func aFailureOrATimeoutAbandonsWithOwnershipUnchanged() throws {
        var state = cluster(reducers: 1)
        _ = state.heartbeat(reducer("reducer-1", ordinal: 1), now: 1)
        _ = state.stepHandover(now: 1)
        let owners = state.map.owners
        let first = try #require(state.map.handover)
        for id in ["mapper-0", "mapper-1"] { _ = state.heartbeat(mapper(id, fenced: first.id), now: 2) }
        _ = state.stepHandover(now: 2)
        _ = state.heartbeat(reducer("reducer-1", ordinal: 1, progress: HandoverProgress(id: first.id, failure: "positions differ")), now: 3)
        _ = state.stepHandover(now: 3)
        #expect(state.map.handover == nil && state.map.owners == owners && state.map.epoch == 0)
        #expect(state.lastHandover?.completed == false && state.lastHandover?.failure?.contains("positions differ") == true)
        // Backs off, then tries again; a stuck one times out.
        #expect(state.stepHandover(now: 4) == nil)
        _ = state.heartbeat(reducer("reducer-0", ordinal: 0), now: 6_000_000_000)
        _ = state.heartbeat(reducer("reducer-1", ordinal: 1), now: 6_000_000_000)
        _ = state.stepHandover(now: 6_000_000_000, timeout: 1_000_000_000)
        let second = try #require(state.map.handover)
        #expect(second.id == first.id + 1)
        // mapper-0 is alive and never holds its flushes.
        _ = state.heartbeat(mapper("mapper-0"), now: 7_000_000_000)
        _ = state.stepHandover(now: 7_500_000_000, timeout: 1_000_000_000)
        #expect(state.map.handover == nil && state.map.owners == owners)
        #expect(state.lastHandover?.failure?.contains("mapper-0") == true)
    }

    @Test func noHandoverStartsWhileAReducerHoldsWhatItGaveAway() {
        var state = cluster(reducers: 1)
        _ = state.heartbeat(reducer("reducer-0", ordinal: 0, holding: [3]), now: 1)
        _ = state.heartbeat(reducer("reducer-1", ordinal: 1), now: 1)
        #expect(state.stepHandover(now: 1) == nil && state.map.handover == nil)
    }

    @Test func aStateSavedBeforeHandoversDecodes() throws {
        let state = cluster(reducers: 2)
        var json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(state)) as? [String: Any])
        for key in ["draining", "desiredReducers", "lastHandover", "nextHandoverID"] { json[key] = nil }
        var map = try #require(json["map"] as? [String: Any])
        for key in ["owners", "epoch", "handover"] { map[key] = nil }
        json["map"] = map
        let decoded = try JSONDecoder().decode(CoordinatorState.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(decoded.map.owners == (0..<8).map { $0 % 2 } && decoded.map.epoch == 0 && decoded.draining.isEmpty)
        #expect(decoded.map == state.map)
    }
}

/// The mapper's fence: one flush on entering it, none after until the new map, and every
/// reducer of the new map starting at the position all the old ones applied.
@Suite struct MapperFenceTests {
    static let now = Timestamp(nanoseconds: 1_800_000_000_000_000_000)

    func batch(_ names: [String]) -> SampleBatch {
        var builder = SampleBatchBuilder()
        for (index, name) in names.enumerated() { builder.append(Sample(name: name, value: Double(index), timestamp: Self.now)) }
        return builder.finish(id: 1)
    }

    func registered(_ count: Int) -> PartitionMap {
        var map = PartitionMap(partitionCount: 8, reducerCount: count)
        for ordinal in 0..<count { map.register(ordinal: ordinal, address: ReducerAddress(id: "r\(ordinal)", partials: "p\(ordinal)", query: "q\(ordinal)")) }
        return map
    }

    func sends(_ directives: [MapperDelivery.Directive]) -> [(reducer: Int, frame: [UInt8])] {
        directives.compactMap { if case .send(let reducer, _, let frame, _) = $0 { (reducer, frame) } else { nil } }
    }

    @Test func flushesHoldDuringAHandoverAndResumeAtOnePosition() throws {
        var map = registered(2)
        var machine = MapperDelivery(origin: "m", map: map, aggregator: MapperAggregator(window: .minute, sketchMapping: nil, partitionCount: 8),
                                     logEnd: 0, resendAfterNanoseconds: 1_000_000_000)
        _ = machine.recover(applied: [0, 0], logStart: 0)
        _ = machine.recovered(logEnd: 0, cutTime: 0)
        _ = machine.logged(batch(["a", "b", "c"]), arrival: Self.now)
        _ = machine.flush(logEnd: 100, cutTime: 1)
        for send in sends(machine.due(now: 0)) { _ = machine.acknowledged(reducer: send.reducer, applied: 100) }
        // A handover starts: the first flush is cut (the entry flush), later ones held.
        var fenced = map
        fenced.handover = Handover(id: 7, phase: .fencing, moves: [], reducers: map.reducers + [ReducerAddress(id: "r2", partials: "p2", query: "q2")],
                                   owners: (0..<8).map { $0 % 3 }, reason: "r2 joins", startedAt: 0)
        fenced.version += 1
        #expect(machine.mapChanged(fenced).isEmpty)
        _ = machine.logged(batch(["a", "d"]), arrival: Self.now)
        _ = machine.flush(logEnd: 200, cutTime: 2)
        #expect(machine.fenced == nil)
        let entry = sends(machine.due(now: 1))
        #expect(entry.count == 2)
        for send in entry { _ = machine.acknowledged(reducer: send.reducer, applied: 200) }
        #expect(machine.fenced == 7)
        _ = machine.logged(batch(["e", "f", "g"]), arrival: Self.now)
        #expect(machine.flush(logEnd: 300, cutTime: 3).isEmpty && machine.pendingCount == 0)
        #expect(machine.fenced == 7)
        // The flip: three reducers, each starting at 200, the windows held since going out now.
        map.complete(fenced.handover!)
        map.version = fenced.version + 1
        #expect(machine.mapChanged(map).isEmpty)
        #expect(machine.applied == [200, 200, 200] && machine.fenced == nil)
        _ = machine.flush(logEnd: 300, cutTime: 4)
        let resumed = sends(machine.due(now: 2))
        #expect(resumed.map(\.reducer).sorted() == [0, 1, 2])
        var names = Set<String>()
        for send in resumed {
            let partial = try PartialBatch.decode(send.frame)
            #expect(partial.sequenceStart == 200 && partial.sequenceEnd == 300)
            for entry in partial.series {
                #expect(map.reducerOrdinal(ofPartition: map.partition(of: entry.key.name)) == send.reducer)
                names.insert(entry.key.name)
            }
        }
        #expect(names == ["e", "f", "g"])
    }

    @Test func newOwnersWithoutTheFenceResynchronise() {
        let map = registered(2)
        var machine = MapperDelivery(origin: "m", map: map, aggregator: MapperAggregator(window: .minute, sketchMapping: nil, partitionCount: 8),
                                     logEnd: 0, resendAfterNanoseconds: 1_000_000_000)
        _ = machine.recover(applied: [0, 0], logStart: 0)
        var moved = map
        moved.complete(Handover(id: 1, phase: .copying, moves: [], reducers: map.reducers, owners: (0..<8).map { ($0 + 1) % 2 },
                                reason: "", startedAt: 0))
        #expect(machine.mapChanged(moved) == [.resynchronise])
    }
}
