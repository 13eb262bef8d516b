/// When the coordinator splits a hot partition by series, and when it undoes the split.
///
/// A partition is hot when its measured load (samples plus rows merged per second, summed over
/// its pieces) exceeds `factor` times a reducer's fair share (the cluster's load over its
/// reducers), and `minimumLoad`: no move can balance it, since one reducer takes it whole. Hot for `holdNanoseconds`,
/// it is split over `ceil(load / fair share)` reducers (at least 2, at most all), the owner and
/// then the least loaded. A split partition whose load stays below half the threshold (the
/// larger of the two) for the hold time is joined again. A membership change (a reducer joining or draining) first undoes
/// every split, so that pieces never cross slot renumbering.
public struct SplitPolicy: Codable, Hashable, Sendable {
    /// A partition above this many times a reducer's fair share is split; 0 splits nothing.
    public var factor: Double
    /// How long a partition must stay hot (or cold, to be joined) before it changes, ns.
    public var holdNanoseconds: Int64
    /// Below this load (samples plus rows per second) nothing is hot: a split would cost more
    /// than it spreads, and an idle cluster's shares stay what they were as rates decay.
    public var minimumLoad: Double

    public init(factor: Double = 1.5, holdNanoseconds: Int64 = 60_000_000_000, minimumLoad: Double = 1_000) {
        self.factor = factor
        self.holdNanoseconds = holdNanoseconds
        self.minimumLoad = minimumLoad
    }
}

extension CoordinatorState {
    /// The next split or join a handover should make, given the measured load: splits of
    /// partitions hot for the hold time, or else joins of split ones cold for it. Updates the
    /// hot and cold clocks.
    mutating func splitWork(now: Int64) -> (splits: [PartitionSplit], reason: String)? {
        let slots = map.reducers.count
        guard splitPolicy.factor > 0, slots >= 2 else {
            hotSince = [:]
            coldSince = [:]
            return map.splits.isEmpty ? nil : ([], "splits are off")
        }
        let load = partitionLoad(now: now)
        let fair = load.reduce(0, +) / Double(slots)
        let threshold = max(splitPolicy.factor * fair, splitPolicy.minimumLoad)
        let split = Set(map.splits.map(\.partition))
        for partition in load.indices {
            if !split.contains(partition), load[partition] > threshold {
                hotSince[partition] = hotSince[partition] ?? now
            } else {
                hotSince[partition] = nil
            }
            if split.contains(partition), load[partition] < threshold / 2 {
                coldSince[partition] = coldSince[partition] ?? now
            } else {
                coldSince[partition] = nil
            }
        }
        let cold = coldSince.filter { now - $0.value >= splitPolicy.holdNanoseconds }.keys.sorted()
        if !cold.isEmpty {
            let words = cold.map { "partition \($0) (\(Int(load[$0])) per s)" }.joined(separator: ", ")
            return (map.splits.filter { !cold.contains($0.partition) }, "\(words) cooled below \(Int(threshold / 2)) per s: joined again")
        }
        let hot = hotSince.filter { now - $0.value >= splitPolicy.holdNanoseconds }.keys.sorted { (load[$0], $1) > (load[$1], $0) }
        guard !hot.isEmpty else { return nil }
        // Slots by their load, lightest first, to take the new pieces.
        var slotLoad = [Double](repeating: 0, count: slots)
        for partition in load.indices {
            let holders = map.holders(ofPartition: partition)
            for slot in holders { slotLoad[slot] += load[partition] / Double(holders.count) }
        }
        var made = map.splits
        var words = [String]()
        for partition in hot {
            let count = min(slots, max(2, Int((load[partition] / fair).rounded(.up))))
            let owner = map.owners[partition]
            let others = (0..<slots).filter { $0 != owner }.sorted { (slotLoad[$0], $0) < (slotLoad[$1], $1) }
            let pieces = [owner] + others.prefix(count - 1)
            for slot in pieces { slotLoad[slot] += load[partition] / Double(count) }
            slotLoad[owner] -= load[partition]
            made.append(PartitionSplit(partition: partition, pieces: pieces))
            words.append("partition \(partition) (\(Int(load[partition])) per s, \(String(format: "%.1f", load[partition] / fair))× a reducer's fair share) over \(count) reducers")
            hotSince[partition] = nil
        }
        return (made.sorted { $0.partition < $1.partition }, "hot: " + words.joined(separator: ", "))
    }

    /// A handover that makes `splits` the map's: new splits move nothing; each piece of a split
    /// undone gives its files to the partition's owner.
    mutating func splitHandover(_ splits: [PartitionSplit], reason: String, now: Int64) -> Handover {
        let kept = Set(splits.map(\.partition))
        var moves = [Handover.Move]()
        for undone in map.splits where !kept.contains(undone.partition) {
            let owner = map.reducers[undone.pieces[0]]!.id
            for slot in undone.pieces.dropFirst() {
                moves.append(Handover.Move(partition: undone.partition, from: map.reducers[slot]!.id, to: owner))
            }
        }
        let handover = Handover(id: nextHandoverID, phase: .fencing, moves: moves, reducers: map.reducers, owners: map.owners,
                                splits: splits.isEmpty ? nil : splits, reason: reason, startedAt: now)
        nextHandoverID += 1
        return handover
    }
}
