/// Plans which partitions should move between reducer slots so that the measured load is
/// balanced, not the count of partitions. Pure: loads and owners come in, a plan goes out.
///
/// A partition's weight is its load (samples plus rows merged per second) plus a floor of 5 %
/// of the mean partition's load (1 when the cluster is idle), so that idle partitions still
/// spread by count. Partitions owned by an inactive slot are always moved; otherwise a plan is
/// made only when an active slot owns nothing or the heaviest slot carries more than
/// `tolerance` times the mean, and it then moves partitions from the heaviest slot to the
/// lightest until the heaviest is within `settle` times the mean.
public struct Rebalancer: Sendable {
    /// One partition changing owner.
    public struct Move: Codable, Hashable, Sendable {
        public var partition: Int
        public var from: Int
        public var to: Int

        public init(partition: Int, from: Int, to: Int) {
            self.partition = partition
            self.from = from
            self.to = to
        }
    }

    /// The moves, and the balance before and after them.
    public struct Plan: Codable, Hashable, Sendable {
        public var moves: [Move]
        /// The heaviest active slot's weight over the mean slot's, before the moves (1: even).
        public var imbalance: Double
        /// The same after the moves.
        public var imbalanceAfter: Double
        /// Partitions heavier than `hotFactor` times a slot's fair share, heaviest first: no
        /// move can balance them, only a split.
        public var hotPartitions: [Int]

        public init(moves: [Move], imbalance: Double, imbalanceAfter: Double, hotPartitions: [Int]) {
            self.moves = moves
            self.imbalance = imbalance
            self.imbalanceAfter = imbalanceAfter
            self.hotPartitions = hotPartitions
        }
    }

    /// Above this imbalance a plan is made.
    public var tolerance = 1.25
    /// A plan stops once the heaviest slot is within this many times the mean.
    public var settle = 1.01
    /// Most moves in one plan (orphans excepted: they always move).
    public var movesMax = 64
    /// A partition above this many times a slot's fair share is hot.
    public var hotFactor = 1.5

    public init() {}

    /// Each partition's weight: its `load` plus the floor.
    public func weights(load: [Double]) -> [Double] {
        let mean = load.isEmpty ? 0 : load.reduce(0, +) / Double(load.count)
        let floor = mean > 0 ? mean * 0.05 : 1
        return load.map { max(0, $0) + floor }
    }

    /// The moves that balance `load` (per partition) over the `active` slots, given the current
    /// `owners` (slot per partition). Deterministic: ties go to the lower partition and slot.
    public func plan(owners: [Int], load: [Double], active: Set<Int>) -> Plan {
        precondition(owners.count == load.count)
        let weight = weights(load: load)
        guard !active.isEmpty else { return Plan(moves: [], imbalance: 0, imbalanceAfter: 0, hotPartitions: []) }
        var slots = Dictionary(uniqueKeysWithValues: active.map { ($0, Slot()) })
        var orphans: [Int] = []
        for (partition, owner) in owners.enumerated() {
            if slots[owner] != nil { slots[owner]!.add(partition, weight[partition]) } else { orphans.append(partition) }
        }
        let mean = weight.reduce(0, +) / Double(active.count)
        let imbalance = Self.heaviest(slots).weight / mean
        var moves: [Move] = []
        // Orphans first, heaviest first, each to the lightest slot.
        for partition in orphans.sorted(by: { (weight[$0], $1) > (weight[$1], $0) }) {
            let to = Self.lightest(slots).slot
            slots[to]!.add(partition, weight[partition])
            moves.append(Move(partition: partition, from: owners[partition], to: to))
        }
        if slots.values.contains(where: \.partitions.isEmpty) || Self.heaviest(slots).weight > tolerance * mean {
            var balancing = 0
            while balancing < movesMax {
                let (from, heavy) = Self.heaviest(slots)
                let (to, light) = Self.lightest(slots)
                guard heavy > settle * mean || slots[to]!.partitions.isEmpty, from != to else { break }
                // The partition closest to half the gap: moving it narrows the pair the most.
                let gap = heavy - light
                guard let partition = slots[from]!.partitions.filter({ weight[$0] < gap })
                    .min(by: { (abs(weight[$0] - gap / 2), $0) < (abs(weight[$1] - gap / 2), $1) }) else { break }
                slots[from]!.remove(partition, weight[partition])
                slots[to]!.add(partition, weight[partition])
                moves.append(Move(partition: partition, from: from, to: to))
                balancing += 1
            }
        }
        let hot = weight.indices.filter { weight[$0] > hotFactor * mean }.sorted { (weight[$0], $1) > (weight[$1], $0) }
        return Plan(moves: Self.merged(moves), imbalance: imbalance, imbalanceAfter: Self.heaviest(slots).weight / mean, hotPartitions: hot)
    }

    /// One move per partition: from its first owner to its last, none where it came back.
    static func merged(_ moves: [Move]) -> [Move] {
        var first: [Int: Move] = [:]
        var order: [Int] = []
        for move in moves {
            if let earlier = first[move.partition] {
                first[move.partition] = Move(partition: move.partition, from: earlier.from, to: move.to)
            } else {
                first[move.partition] = move
                order.append(move.partition)
            }
        }
        return order.compactMap { first[$0] }.filter { $0.from != $0.to }
    }

    struct Slot {
        var partitions: Set<Int> = []
        var weight = 0.0

        mutating func add(_ partition: Int, _ amount: Double) {
            partitions.insert(partition)
            weight += amount
        }

        mutating func remove(_ partition: Int, _ amount: Double) {
            partitions.remove(partition)
            weight -= amount
        }
    }

    static func heaviest(_ slots: [Int: Slot]) -> (slot: Int, weight: Double) {
        let best = slots.max { ($0.value.weight, -$0.key) < ($1.value.weight, -$1.key) }!
        return (best.key, best.value.weight)
    }

    static func lightest(_ slots: [Int: Slot]) -> (slot: Int, weight: Double) {
        let best = slots.min { ($0.value.weight, $0.key) < ($1.value.weight, $1.key) }!
        return (best.key, best.value.weight)
    }
}
