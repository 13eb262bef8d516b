import Aggregation
import ClusterCore
import Model
import TestSupport
import Testing
import Wire

/// A seeded simulation of the delivery protocol over the real machines (`MapperDelivery`,
/// `ReducerCommit`, with the real aggregator, store and encodings): the network drops,
/// duplicates, delays and reorders messages; mappers and reducers crash at any step and
/// recover from what they had made durable; seals move windows out of memory; handovers move
/// partitions between reducers (fence, seal, copy, flip, release) at any point of it, and split
/// partitions by series over several reducers and join them again. After every
/// step no window may hold more samples than were acknowledged for it; at the end, with the
/// faults healed, every acknowledged sample is counted exactly once. A failure names its seed.
@Suite struct DeliverySimulationTests {
    /// How many seeds CI runs (each a few hundred steps); `WINDROW_SIMULATION_SEEDS` raises it.
    static let seeds = UInt64(Environment.integer("WINDROW_SIMULATION_SEEDS") ?? 2000)

    @Test func everyAcknowledgedSampleIsCountedExactlyOnce() throws {
        var handovers = 0
        var underFaults = 0
        var moved = 0
        var splits = 0
        var joins = 0
        for seed in 0..<Self.seeds {
            var world = World(seed: seed)
            try world.run(steps: 150)
            handovers += world.handovers
            underFaults += world.handoversUnderFaults
            moved += world.partitionsMoved
            splits += world.splitsMade
            joins += world.splitsJoined
        }
        // The seeds must exercise handovers amid faults and ingest, not only allow them.
        #expect(underFaults > Int(Self.seeds) / 20 && moved > handovers && splits > Int(Self.seeds) / 20 && joins > Int(Self.seeds) / 100)
        print("delivery simulation: \(Self.seeds) seeds, \(handovers) handovers completed (\(underFaults) amid faults and ingest), "
              + "\(moved) partitions moved, \(splits) partitions split and \(joins) joined again")
    }

    /// Re-runs one seed alone: `WINDROW_SIMULATION_SEED=N swift test --filter oneSeed`.
    @Test func oneSeed() throws {
        guard let seed = Environment.integer("WINDROW_SIMULATION_SEED") else { return }
        var world = World(seed: UInt64(seed))
        try world.run(steps: 150)
    }
}

/// A request as the reducer machine sees it: who asked, for which batch end.
struct SimRequest {
    var mapper: Int
    var end: UInt64?
}

enum SimMessage {
    case partial(mapper: Int, reducer: Int, frame: [UInt8], end: UInt64)
    case ask(mapper: Int, reducer: Int)
    case acknowledged(mapper: Int, reducer: Int, applied: UInt64)
    case refused(mapper: Int, reducer: Int, end: UInt64, message: String)
    case applied(mapper: Int, reducer: Int, position: UInt64)
}

struct SimMapper {
    /// The durable log: (position after the record, batch, arrival).
    var log: [(end: UInt64, batch: SampleBatch, arrival: Timestamp)] = []
    var logStart: UInt64 = 0
    var logEnd: UInt64 = 0
    var machine: MapperDelivery?
    /// While recovering: applied positions learned so far.
    var asked: [UInt64?] = []
}

struct SimReducer {
    var commit: ReducerCommit<SimRequest>
    /// Frames logged but not yet synced (lost in a crash).
    var unsynced: [[UInt8]] = []
    /// The durable log since the checkpoint.
    var log: [[UInt8]] = []
    /// The checkpoint: the store (open windows and applied positions) and the sealed rows.
    var checkpoint: ReducerStore
    var sealed: [(SeriesKey, Int64, WindowState)] = []
    var checkpointSealed: [(SeriesKey, Int64, WindowState)] = []
    /// Frames of the durable log when the seal in flight took its windows (its checkpoint
    /// starts the log after them).
    var sealLogCount = 0
}

struct World {
    let seed: UInt64
    var random: SeededGenerator
    var map: PartitionMap
    let now = Timestamp(nanoseconds: 1_800_000_000_000_000_000)
    var clock: Int64 = 0
    var mappers: [SimMapper]
    var reducers: [SimReducer]
    var network: [SimMessage] = []
    /// Acknowledged samples per (series, window): what every answer must count exactly.
    var acknowledged: [SeriesKey: [Int64: UInt64]] = [:]
    var sums: [SeriesKey: [Int64: [Double]]] = [:]
    var faults = true
    /// Handovers completed, and the partitions they moved.
    var handovers = 0
    var handoversUnderFaults = 0
    var partitionsMoved = 0
    /// Splits made, and splits joined again, by completed handovers.
    var splitsMade = 0
    var splitsJoined = 0

    init(seed: UInt64) {
        self.seed = seed
        random = SeededGenerator(seed: seed)
        var map = PartitionMap(partitionCount: 8, reducerCount: Int.random(in: 1...3, using: &random))
        for ordinal in map.reducers.indices {
            map.reducers[ordinal] = ReducerAddress(id: "reducer-\(ordinal)", partials: "sim://\(ordinal)", query: "sim://\(ordinal)/q")
        }
        self.map = map
        mappers = (0..<Int.random(in: 1...3, using: &random)).map { _ in SimMapper() }
        let store = ReducerStore(window: .minute, sketchMapping: map.sketchMapping, partitionCount: 8)
        reducers = map.reducers.map { _ in SimReducer(commit: ReducerCommit(store: store), checkpoint: store) }
        for index in mappers.indices { startMapper(index) }
    }

    func fail(_ what: String) -> String { "seed \(seed): \(what) (rerun alone with WINDROW_SIMULATION_SEED=\(seed))" }

    mutating func run(steps: Int) throws {
        for _ in 0..<steps {
            clock += Int64.random(in: 1...400, using: &random) * 1_000_000
            try step()
            checkNeverMoreThanAcknowledged()
        }
        // Heal: no more faults; deliver until nothing moves.
        faults = false
        for index in mappers.indices where mappers[index].machine == nil && mappers[index].asked.isEmpty { startMapper(index) }
        for _ in 0..<400 {
            clock += 6_000_000_000
            if map.handover != nil { try stepHandover() }
            reask()
            for index in mappers.indices { flushAndSend(index) }
            while !network.isEmpty { try deliver(network.removeFirst()) }
            for index in reducers.indices { sync(index) }
            while !network.isEmpty { try deliver(network.removeFirst()) }
            if mappers.allSatisfy({ ($0.machine?.pendingCount ?? 1) == 0 && $0.machine != nil }) && network.isEmpty && map.handover == nil {
                // Windows held by a fence went out with the last flush; one more round delivers them.
                if mappers.allSatisfy({ $0.machine!.aggregator.openStateCount == 0 }) { break }
            }
        }
        checkExactlyOnce()
    }

    mutating func step() throws {
        switch Int.random(in: 0..<110, using: &random) {
        case 0..<30: produce(Int.random(in: 0..<mappers.count, using: &random))
        case 30..<45: flushAndSend(Int.random(in: 0..<mappers.count, using: &random))
        case 45..<75:
            guard !network.isEmpty else { return }
            // Reordering: any message may be next; some are dropped, some duplicated.
            let index = Int.random(in: 0..<network.count, using: &random)
            let message = network.remove(at: index)
            let fate = Int.random(in: 0..<10, using: &random)
            if fate == 0 { return }
            if fate == 1 { network.append(message) }
            try deliver(message)
        case 75..<85: sync(Int.random(in: 0..<reducers.count, using: &random))
        case 85..<90: seal(Int.random(in: 0..<reducers.count, using: &random))
        case 90..<93: crashMapper(Int.random(in: 0..<mappers.count, using: &random))
        case 93..<95: try crashReducer(Int.random(in: 0..<reducers.count, using: &random))
        case 95..<105: try stepHandover()
        default:
            for index in mappers.indices where mappers[index].machine == nil && mappers[index].asked.isEmpty { startMapper(index) }
            reask()
        }
    }

    /// Recovering mappers ask again where no answer came (lost, or the reducer crashed), as the
    /// shell does every two seconds.
    mutating func reask() {
        for index in mappers.indices where mappers[index].machine == nil {
            for (reducer, known) in mappers[index].asked.enumerated() where known == nil {
                network.append(.ask(mapper: index, reducer: reducer))
            }
        }
    }

    // MARK: Mappers

    /// A producer batch: logged durably (then acknowledged) and aggregated, if the mapper runs.
    mutating func produce(_ index: Int) {
        guard mappers[index].machine != nil else { return }
        var builder = SampleBatchBuilder()
        var samples = [(SeriesKey, Int64, Double)]()
        for _ in 0..<Int.random(in: 1...20, using: &random) {
            let sample = Sample(name: "m\(Int.random(in: 0..<5, using: &random))", value: Double(Int.random(in: -1000...1000, using: &random)) / 8,
                                timestamp: now.advanced(by: -Int64.random(in: 0..<300_000_000_000, using: &random)),
                                tags: [Tag("h", "\(Int.random(in: 0..<4, using: &random))")])
            builder.append(sample)
            samples.append((sample.series, Step.minute.windowStart(of: sample.timestamp!).nanoseconds, sample.value))
        }
        let batch = builder.finish(id: 1)
        let arrival = now
        mappers[index].logEnd += UInt64(100 + batch.count)
        mappers[index].log.append((mappers[index].logEnd, batch, arrival))
        let outcome = mappers[index].machine!.logged(batch, arrival: arrival)
        precondition(outcome.rejected == 0)
        for (series, window, value) in samples {
            acknowledged[series, default: [:]][window, default: 0] += 1
            sums[series, default: [:]][window, default: []].append(value)
        }
    }

    mutating func flushAndSend(_ index: Int) {
        guard mappers[index].machine != nil else { return }
        perform(mappers[index].machine!.flush(logEnd: mappers[index].logEnd, cutTime: now.nanoseconds + clock), mapper: index)
        perform(mappers[index].machine!.due(now: clock), mapper: index)
    }

    mutating func perform(_ directives: [MapperDelivery.Directive], mapper index: Int) {
        for directive in directives {
            switch directive {
            case .send(let reducer, let end, let frame, _):
                network.append(.partial(mapper: index, reducer: reducer, frame: frame, end: end))
            case .truncateLog(let position):
                mappers[index].log.removeAll { $0.end <= position }
                mappers[index].logStart = max(mappers[index].logStart, min(position, mappers[index].logEnd))
            case .watermark:
                break
            case .resynchronise:
                // What the shell does: drop the machine and recover from the reducers' positions.
                mappers[index].machine = nil
                startMapper(index)
                return
            }
        }
    }

    mutating func crashMapper(_ index: Int) {
        guard faults else { return }
        mappers[index].machine = nil
        mappers[index].asked = []
    }

    /// Starts a mapper: asks every reducer how far it applied its log.
    mutating func startMapper(_ index: Int) {
        mappers[index].asked = Array(repeating: nil, count: reducers.count)
        for reducer in reducers.indices { network.append(.ask(mapper: index, reducer: reducer)) }
    }

    mutating func finishRecovery(_ index: Int) {
        let aggregator = MapperAggregator(window: .minute, sketchMapping: map.sketchMapping, partitionCount: 8)
        var machine = MapperDelivery(origin: "mapper-\(index)", map: map, aggregator: aggregator, logEnd: mappers[index].logEnd,
                                     resendAfterNanoseconds: 5_000_000_000)
        let from = machine.recover(applied: mappers[index].asked.map { $0! }, logStart: mappers[index].logStart)
        var start = mappers[index].logStart
        for record in mappers[index].log {
            let recordStart = start
            start = record.end
            if record.end > from { machine.replayed(record.batch, arrival: record.arrival, start: recordStart) }
        }
        mappers[index].asked = []
        mappers[index].machine = machine
        perform(mappers[index].machine!.recovered(logEnd: mappers[index].logEnd, cutTime: now.nanoseconds + clock), mapper: index)
    }

    // MARK: Reducers and the network

    mutating func deliver(_ message: SimMessage) throws {
        switch message {
        case .partial(let mapper, let reducer, let frame, let end):
            let batch = try PartialBatch.decode(frame)
            // As the reducer's shell: a series of a partition (or piece) not taken here is refused.
            if batch.series.contains(where: { !accepts(reducer, series: $0.key) }) {
                network.append(.refused(mapper: mapper, reducer: reducer, end: end, message: "moved: partition not held here"))
                return
            }
            let (_, directives) = reducers[reducer].commit.received(SimRequest(mapper: mapper, end: end), batch: batch, frame: frame)
            performReducer(directives, reducer: reducer)
            if Int.random(in: 0..<3, using: &random) == 0 || !faults { sync(reducer) }
        case .ask(let mapper, let reducer):
            performReducer(reducers[reducer].commit.askedApplied(SimRequest(mapper: mapper, end: nil), origin: "mapper-\(mapper)"), reducer: reducer)
        case .acknowledged(let mapper, let reducer, let applied):
            guard mappers[mapper].machine != nil else { return }
            perform(mappers[mapper].machine!.acknowledged(reducer: reducer, applied: applied), mapper: mapper)
        case .refused(let mapper, let reducer, let end, let message):
            guard mappers[mapper].machine != nil else { return }
            perform(mappers[mapper].machine!.failed(reducer: reducer, end: end, overlap: message.hasPrefix("overlap:"), now: clock,
                                                    retryAfterNanoseconds: 500_000_000), mapper: mapper)
        case .applied(let mapper, let reducer, let position):
            guard mappers[mapper].asked.indices.contains(reducer), mappers[mapper].machine == nil else { return }
            mappers[mapper].asked[reducer] = position
            if mappers[mapper].asked.allSatisfy({ $0 != nil }) { finishRecovery(mapper) }
        }
    }

    mutating func performReducer(_ directives: [ReducerCommit<SimRequest>.Directive], reducer: Int) {
        for directive in directives {
            switch directive {
            case .log(let frame):
                reducers[reducer].unsynced.append(frame)
            case .answer(let request, let reply):
                if request.end != nil {
                    network.append(.acknowledged(mapper: request.mapper, reducer: reducer, applied: reply.applied))
                } else {
                    network.append(.applied(mapper: request.mapper, reducer: reducer, position: reply.applied))
                }
            case .refuse(let request, let message):
                if let end = request.end { network.append(.refused(mapper: request.mapper, reducer: reducer, end: end, message: message)) }
            }
        }
    }

    mutating func sync(_ index: Int) {
        reducers[index].log += reducers[index].unsynced
        reducers[index].unsynced = []
        performReducer(reducers[index].commit.synced().directives, reducer: index)
    }

    /// Starts a seal of what the (simulated) watermark has passed, or ends the one in flight:
    /// it commits its sealed rows, the store as it was taken and the log after that point as
    /// one checkpoint, or fails (a full disk) and reopens its windows. Partials go on being
    /// applied while a seal is in flight.
    mutating func seal(_ index: Int) {
        if let job = reducers[index].commit.sealing {
            if Int.random(in: 0..<4, using: &random) == 0 {
                reducers[index].commit.sealFailed()
                return
            }
            for rows in job.sealed.values {
                for row in rows.rows { reducers[index].sealed.append((rows.series[Int(row.seriesIndex)].key, row.windowStart, row.state)) }
            }
            reducers[index].commit.sealCommitted()
            // The checkpoint is what recovery rebuilds: the snapshot's windows and the positions.
            var checkpoint = ReducerStore(window: map.window, sketchMapping: map.sketchMapping, partitionCount: map.partitionCount)
            checkpoint.merge(series: job.open.series, rows: job.open.rows)
            checkpoint.restoreApplied(job.applied)
            reducers[index].checkpoint = checkpoint
            reducers[index].checkpointSealed = reducers[index].sealed
            reducers[index].log.removeFirst(reducers[index].sealLogCount)
            return
        }
        guard reducers[index].unsynced.isEmpty else { return }
        let watermark = now.nanoseconds - Int64.random(in: 0..<300_000_000_000, using: &random)
        guard reducers[index].commit.sealDue(watermark: watermark, allowedLatenessNanoseconds: 0, force: true) != nil else { return }
        reducers[index].sealLogCount = reducers[index].log.count
    }

    mutating func crashReducer(_ index: Int) throws {
        guard faults else { return }
        var commit = ReducerCommit<SimRequest>(store: reducers[index].checkpoint)
        for frame in reducers[index].log { _ = commit.replayed(try PartialBatch.decode(frame)) }
        reducers[index].commit = commit
        reducers[index].unsynced = []
        reducers[index].sealed = reducers[index].checkpointSealed
    }

    // MARK: Invariants

    /// What the cluster answers now: per (series, window), the merged state over sealed rows
    /// and open windows of the reducers holding its partition (its owner, or every piece of a
    /// split one, as the front merges them).
    func answers() -> [SeriesKey: [Int64: WindowState]] {
        var result = [SeriesKey: [Int64: WindowState]]()
        for series in acknowledged.keys {
            let spec = QuerySpec(name: series.name, from: .min, to: .max, step: Step.minute.nanoseconds, tags: series.tags)
            var accumulator = BucketAccumulator(spec: spec)
            for ordinal in map.holders(ofPartition: map.partition(of: series.name)) {
                try! reducers[ordinal].commit.store.openRows(matching: spec.filter, from: .min, to: .max, into: &accumulator)
                try! reducers[ordinal].commit.sealingRows(partition: map.partition(of: series.name), matching: spec.filter, from: .min, to: .max,
                                                          into: &accumulator)
                for (key, window, state) in reducers[ordinal].sealed where key == series {
                    accumulator.add(series: key, windowStart: window, state: state)
                }
            }
            result[series] = accumulator.groups[SeriesKey(name: series.name, tags: series.tags)] ?? [:]
        }
        return result
    }

    func checkNeverMoreThanAcknowledged() {
        for (series, windows) in answers() {
            for (window, state) in windows {
                let want = acknowledged[series]?[window] ?? 0
                if state.count > want {
                    Issue.record(Comment(rawValue: fail("\(series) @\(window) counts \(state.count) samples; \(want) were acknowledged")))
                }
            }
        }
    }

    func checkExactlyOnce() {
        let got = answers()
        for (series, windows) in acknowledged {
            for (window, want) in windows {
                let state = got[series]?[window]
                if state?.count != want {
                    Issue.record(Comment(rawValue: fail("\(series) @\(window) counts \(state?.count ?? 0) samples; \(want) were acknowledged")))
                    continue
                }
                let exact = Exact.sum(sums[series]![window]!)
                if exact != 0, Exact.relativeError(state!.sum.value, exact) > 1e-12 {
                    Issue.record(Comment(rawValue: fail("\(series) @\(window) sums to \(state!.sum.value); exact \(exact)")))
                }
            }
        }
    }
}
