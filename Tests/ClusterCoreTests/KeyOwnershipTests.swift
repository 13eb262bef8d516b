import ClusterCore
import Testing

/// A retried `Idempotency-Key` must find the mapper that took it first, even after mappers join.
@Suite struct KeyOwnershipTests {
    @Test func aKeyMovesOnlyToAJoiningMapperAndItsEarlierOwnerIsFound() {
        let keys = (0..<2_000).map { "key-\($0)" }
        let old = ["mapper-0", "mapper-1"]
        let grown = old + ["mapper-2"]
        var moved = 0
        for key in keys {
            let before = KeyOwnership.owner(of: key, among: old)
            let after = KeyOwnership.owner(of: key, among: grown)
            // A join takes keys for itself only; none moves between the mappers that stay.
            #expect(after == before || after == "mapper-2")
            let joined = [(id: "mapper-0", knownForMs: Int64(600_000)), (id: "mapper-1", knownForMs: Int64(500_000)),
                          (id: "mapper-2", knownForMs: Int64(1_000))]
            let earlier = KeyOwnership.earlierOwners(of: key, owner: after, mappers: joined, windowMs: KeyOwnership.retryWindowMs)
            if after == before {
                // The owner is old, or it owned the key among the earlier sets too.
                #expect(after != "mapper-2")
            } else {
                moved += 1
                // The key's owner before the join is asked, after the owner among mapper-0 alone.
                #expect(earlier.last == before && earlier.allSatisfy(old.contains))
            }
        }
        // About a third of the keys move to the new mapper (a fair share).
        #expect(moved > 560 && moved < 780, "\(moved) of 2000 keys moved")
    }

    @Test func keysSpreadEvenlyOverMappers() {
        var counts = [String: Int]()
        for index in 0..<6_000 { counts[KeyOwnership.owner(of: "k\(index * 7_919)", among: ["mapper-0", "mapper-1", "mapper-2"]), default: 0] += 1 }
        #expect(counts.values.allSatisfy { (1_800...2_200).contains($0) }, "\(counts)")
    }

    @Test func anOwnerKnownLongerThanTheWindowHasNoEarlierOwners() {
        let mappers = [(id: "mapper-0", knownForMs: Int64(2_000_000)), (id: "mapper-1", knownForMs: Int64(1_000_000))]
        for key in ["a", "b", "c", "d"] {
            let owner = KeyOwnership.owner(of: key, among: mappers.map(\.id))
            #expect(KeyOwnership.earlierOwners(of: key, owner: owner, mappers: mappers, windowMs: 900_000).isEmpty)
        }
        // The startup race: mapper-1 registered a moment after mapper-0 took the key.
        let starting = [(id: "mapper-0", knownForMs: Int64(3_000)), (id: "mapper-1", knownForMs: Int64(2_500))]
        let key = (0..<100).map { "k\($0)" }.first { KeyOwnership.owner(of: $0, among: ["mapper-0", "mapper-1"]) == "mapper-1" }!
        #expect(KeyOwnership.earlierOwners(of: key, owner: "mapper-1", mappers: starting, windowMs: 900_000) == ["mapper-0"])
        #expect(KeyOwnership.earlierOwners(of: key, owner: "mapper-0", mappers: starting, windowMs: 900_000).isEmpty)
    }
}
