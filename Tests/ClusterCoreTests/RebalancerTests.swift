import ClusterCore
import Testing
import TestSupport

@Suite struct RebalancerTests {
    /// Each active slot's summed weight after applying `moves` to `owners`, checked move by move.
    func slotWeights(owners: [Int], weight: [Double], moves: [Rebalancer.Move], active: Set<Int>) -> [Int: Double] {
        var after = owners
        for move in moves {
            #expect(after[move.partition] == move.from, "move \(move) starts where the partition is")
            after[move.partition] = move.to
        }
        var sums = Dictionary(uniqueKeysWithValues: active.map { ($0, 0.0) })
        for (partition, owner) in after.enumerated() {
            #expect(active.contains(owner), "partition \(partition) ends on an active slot")
            sums[owner, default: 0] += weight[partition]
        }
        return sums
    }

    func imbalance(_ sums: [Int: Double]) -> Double {
        sums.values.max()! / (sums.values.reduce(0, +) / Double(sums.count))
    }

    @Test func anAddedReducerGetsAFairShareOfAnIdleCluster() {
        let owners = (0..<64).map { $0 % 2 }
        let plan = Rebalancer().plan(owners: owners, load: Array(repeating: 0, count: 64), active: [0, 1, 2])
        let sums = slotWeights(owners: owners, weight: Array(repeating: 1, count: 64), moves: plan.moves, active: [0, 1, 2])
        // 64 idle partitions over three slots: 21 or 22 each, every move to the new slot.
        #expect(sums.values.allSatisfy { (21...22).contains(Int($0)) }, "\(sums)")
        #expect(plan.moves.allSatisfy { $0.to == 2 } && plan.moves.count == Int(sums[2]!))
        #expect(plan.imbalance == 32 / (64.0 / 3) && plan.imbalanceAfter == 22 / (64.0 / 3))
        #expect(plan.hotPartitions.isEmpty)
    }

    @Test func aDrainedSlotKeepsNothing() {
        var generator = SeededGenerator(seed: 7)
        let load = (0..<32).map { _ in Double.random(in: 0..<100, using: &generator) }
        let owners = (0..<32).map { $0 % 3 }
        let plan = Rebalancer().plan(owners: owners, load: load, active: [0, 2])
        #expect(Set(plan.moves.filter { $0.from == 1 }.map(\.partition)) == Set((0..<32).filter { $0 % 3 == 1 }))
        let sums = slotWeights(owners: owners, weight: Rebalancer().weights(load: load), moves: plan.moves, active: [0, 2])
        #expect(imbalance(sums) <= 1.25 + 1e-9, "\(sums)")
    }

    @Test func aBalancedClusterStaysPut() {
        // Even counts and loads within the tolerance: no move.
        let owners = (0..<60).map { $0 % 3 }
        let load = (0..<60).map { Double(100 + ($0 % 3) * 10) }
        let plan = Rebalancer().plan(owners: owners, load: load, active: [0, 1, 2])
        #expect(plan.moves.isEmpty)
        #expect(plan.imbalance == plan.imbalanceAfter && plan.imbalance < 1.25)
    }

    @Test func loadNotCountDecides() {
        // Slot 0 has the same number of partitions as slot 1 but ten times the load.
        let owners = (0..<40).map { $0 % 2 }
        let load = (0..<40).map { $0 % 2 == 0 ? 1000.0 : 100.0 }
        let plan = Rebalancer().plan(owners: owners, load: load, active: [0, 1])
        let weight = Rebalancer().weights(load: load)
        let sums = slotWeights(owners: owners, weight: weight, moves: plan.moves, active: [0, 1])
        #expect(abs(plan.imbalanceAfter - imbalance(sums)) < 1e-9)
        // Heavy partitions leave slot 0 (a light one may come back to even it out), so slot 1
        // ends with more partitions: it is the load that is balanced, not the count.
        #expect(plan.moves.filter { $0.from == 0 }.allSatisfy { $0.partition % 2 == 0 })
        var after = owners
        for move in plan.moves { after[move.partition] = move.to }
        #expect(after.filter { $0 == 1 }.count > after.filter { $0 == 0 }.count + 5, "\(after)")
        #expect(plan.imbalanceAfter < 1.1 && plan.imbalance > 1.6, "\(plan.imbalance) → \(plan.imbalanceAfter)")
    }

    @Test func aHotPartitionIsNamedAndLeftWhereItIs() {
        // One partition carries 60 % of the load of 16 on four slots: no move can balance it.
        var load = Array(repeating: 10.0, count: 16)
        load[5] = 225
        let owners = (0..<16).map { $0 % 4 }
        let plan = Rebalancer().plan(owners: owners, load: load, active: [0, 1, 2, 3])
        #expect(plan.hotPartitions == [5])
        #expect(!plan.moves.contains { $0.partition == 5 })
        // Everything else moves off partition 5's slot.
        let sums = slotWeights(owners: owners, weight: Rebalancer().weights(load: load), moves: plan.moves, active: [0, 1, 2, 3])
        #expect(Set(plan.moves.map(\.partition)) == [1, 9, 13] && abs(imbalance(sums) - plan.imbalanceAfter) < 1e-9)
    }

    @Test(arguments: 0..<40) func aPlanNeverMakesTheBalanceWorse(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))
        let partitions = Int.random(in: 1...128, using: &generator)
        let slots = Int.random(in: 1...6, using: &generator)
        // Zipf-like: a few heavy partitions, many light or idle ones.
        let load = (0..<partitions).map { _ in
            Bool.random(using: &generator) ? 0 : 1000 / Double(Int.random(in: 1...50, using: &generator))
        }
        let owners = (0..<partitions).map { _ in Int.random(in: 0..<slots, using: &generator) }
        let active = Set(0..<slots)
        let plan = Rebalancer().plan(owners: owners, load: load, active: active)
        let weight = Rebalancer().weights(load: load)
        let before = slotWeights(owners: owners, weight: weight, moves: [], active: active)
        let after = slotWeights(owners: owners, weight: weight, moves: plan.moves, active: active)
        #expect(abs(imbalance(before) - plan.imbalance) < 1e-9 && abs(imbalance(after) - plan.imbalanceAfter) < 1e-9)
        #expect(plan.imbalanceAfter <= plan.imbalance + 1e-9, "seed \(seed)")
        #expect(Set(plan.moves.map(\.partition)).count == plan.moves.count, "one move per partition, seed \(seed)")
        #expect(plan.moves.count <= 64)
        let mean = weight.reduce(0, +) / Double(slots)
        #expect(plan.hotPartitions == weight.indices.filter { weight[$0] > 1.5 * mean }.sorted { (weight[$0], $1) > (weight[$1], $0) })
    }
}
