import Aggregation
import ClusterCore
import Model
import Testing
import Wire

/// The handover in the delivery simulation, as the coordinator and the reducers' shells run it:
/// a start moves a random set of partitions from one reducer to another and fences the
/// mappers; once every mapper is fenced (a crashed one blocks until it has recovered) the
/// sources seal what they give away and the targets copy it (checking that every reducer has
/// applied every mapper's log to the same position); then the flip installs the new owners and
/// the sources drop what they gave. A third of the starts split a partition over two reducers
/// (no move: the owner keeps what it held) or, when one is split, join it again (its pieces give
/// their files to the owner); other handovers wait until no partition is split, as the
/// coordinator's do.
extension World {
    /// Whether `reducer` takes partials with rows of `series` now.
    func accepts(_ reducer: Int, series: SeriesKey) -> Bool {
        let partition = map.partition(of: series.name)
        guard PartitionRouter(map).slot(partition: partition, seriesHash: PartitionMap.seriesHash(series)) == reducer else { return false }
        guard let handover = map.handover, handover.phase == .copying else { return true }
        // A source refuses what it gives away once it has sealed it (in the simulation: from copying on).
        return !handover.outgoing(from: "reducer-\(reducer)").contains(partition)
    }

    mutating func stepHandover() throws {
        guard let handover = map.handover else {
            guard faults, reducers.count > 1 else { return }
            startHandover()
            return
        }
        switch handover.phase {
        case .fencing:
            guard mappers.allSatisfy({ $0.machine?.fenced == handover.id }) else {
                // Fenced mappers keep cutting their one flush as the shell's timer would.
                for index in mappers.indices { flushAndSend(index) }
                return
            }
            map.handover!.phase = .copying
            map.version += 1
            mapChanged()
        case .copying:
            try copyAndFlip(handover)
        }
    }

    mutating func startHandover() {
        if let split = map.splits.first {
            // Joined again: each piece gives its files of the partition to the owner.
            let owner = "reducer-\(split.pieces[0])"
            map.handover = Handover(id: map.epoch + 1, phase: .fencing,
                                    moves: split.pieces.dropFirst().map { Handover.Move(partition: split.partition, from: "reducer-\($0)", to: owner) },
                                    reducers: map.reducers, owners: map.owners, reason: "simulated join", startedAt: 0)
            map.version += 1
            mapChanged()
            return
        }
        if Int.random(in: 0..<3, using: &random) == 0 {
            let partition = Int.random(in: 0..<map.partitionCount, using: &random)
            let owner = map.owners[partition]
            let others = (0..<reducers.count).filter { $0 != owner }.shuffled(using: &random)
            let pieces = [owner] + others.prefix(Int.random(in: 1...others.count, using: &random))
            map.handover = Handover(id: map.epoch + 1, phase: .fencing, moves: [], reducers: map.reducers, owners: map.owners,
                                    splits: [PartitionSplit(partition: partition, pieces: pieces)], reason: "simulated split", startedAt: 0)
            map.version += 1
            mapChanged()
            return
        }
        let from = Int.random(in: 0..<reducers.count, using: &random)
        var to = Int.random(in: 0..<reducers.count - 1, using: &random)
        if to >= from { to += 1 }
        let owned = (0..<map.partitionCount).filter { map.owners[$0] == from }
        let moving = owned.filter { _ in Bool.random(using: &random) }
        var owners = map.owners
        for partition in moving { owners[partition] = to }
        let id = map.epoch + 1
        map.handover = Handover(id: id, phase: .fencing,
                                moves: moving.map { Handover.Move(partition: $0, from: "reducer-\(from)", to: "reducer-\(to)") },
                                reducers: map.reducers, owners: owners, reason: "simulated", startedAt: 0)
        map.version += 1
        mapChanged()
    }

    /// Every running mapper learns the map (as from its next heartbeat).
    mutating func mapChanged() {
        for index in mappers.indices where mappers[index].machine != nil {
            perform(mappers[index].machine!.mapChanged(map), mapper: index)
        }
    }

    /// Each source seals every window of what it gives away (a committed seal), each target
    /// takes the sealed rows as its files, and the new owners are installed.
    mutating func copyAndFlip(_ handover: Handover) throws {
        let sources = Set(handover.moves.compactMap { Int($0.from.dropFirst("reducer-".count)) })
        for source in sources {
            // A seal in flight finishes first; unsynced batches are synced (as the loop does).
            if reducers[source].commit.sealing != nil { seal(source) }
            guard reducers[source].commit.sealing == nil else { return }
            sync(source)
            let outgoing = Set(handover.outgoing(from: "reducer-\(source)"))
            guard reducers[source].commit.sealDue(watermark: nil, allowedLatenessNanoseconds: 0, force: true, including: outgoing) != nil else { return }
            reducers[source].sealLogCount = reducers[source].log.count
            while reducers[source].commit.sealing != nil { seal(source) }
            // A seal that failed put the windows back: tried again at a later step.
            guard reducers[source].commit.store.partitionsWithOpenWindows.isDisjoint(with: outgoing) else { return }
        }
        for move in handover.moves {
            let source = Int(move.from.dropFirst("reducer-".count))!
            let target = Int(move.to.dropFirst("reducer-".count))!
            let mine = reducers[target].commit.store.applied
            let theirs = reducers[source].commit.store.applied
            for origin in Set(mine.keys).union(theirs.keys) where (mine[origin] ?? 0) != (theirs[origin] ?? 0) {
                Issue.record(Comment(rawValue: fail("handover \(handover.id): \(origin) applied to \(mine[origin] ?? 0) at reducer-\(target) but \(theirs[origin] ?? 0) at reducer-\(source) though every mapper is fenced")))
            }
            let copied = reducers[source].sealed.filter { map.partition(of: $0.0.name) == move.partition }
            reducers[target].sealed += copied
            reducers[target].checkpointSealed += copied
        }
        if handover.splits != nil { splitsMade += 1 }
        if !map.splits.isEmpty && handover.splits == nil { splitsJoined += 1 }
        map.complete(handover)
        handovers += 1
        if faults { handoversUnderFaults += 1 }
        partitionsMoved += handover.moves.count
        mapChanged()
        for source in sources {
            let gone = Set(handover.outgoing(from: "reducer-\(source)"))
            reducers[source].sealed.removeAll { gone.contains(map.partition(of: $0.0.name)) }
            reducers[source].checkpointSealed.removeAll { gone.contains(map.partition(of: $0.0.name)) }
            let dropped = reducers[source].commit.store.drop(partitions: gone)
            if dropped > 0 { Issue.record(Comment(rawValue: fail("reducer-\(source) still had \(dropped) open windows of partitions it gave away"))) }
            _ = reducers[source].checkpoint.drop(partitions: gone)
        }
    }
}
