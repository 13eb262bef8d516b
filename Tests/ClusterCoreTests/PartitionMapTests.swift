import ClusterCore
import Testing

@Suite struct PartitionMapTests {
    @Test func theHashIsTheDocumentedFNV1a() {
        // Reference values of 64-bit FNV-1a.
        #expect(PartitionMap.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(PartitionMap.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(PartitionMap.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
        #expect(PartitionMap.partition(of: "foobar", count: 256) == 0xe8)
    }

    @Test func everyPartitionHasExactlyOneOwner() {
        var map = PartitionMap(partitionCount: 256, reducerCount: 3)
        #expect(!map.isComplete)
        for ordinal in 0..<3 {
            let changed = map.register(ordinal: ordinal, address: ReducerAddress(id: "r\(ordinal)", partials: "p\(ordinal)", query: "q\(ordinal)"))
            #expect(changed)
        }
        #expect(map.isComplete)
        #expect(map.version == 3)
        let unchanged = map.register(ordinal: 1, address: ReducerAddress(id: "r1", partials: "p1", query: "q1"))
        #expect(!unchanged)
        let owners = (0..<256).map { map.reducerOrdinal(ofPartition: $0) }
        #expect(Set(owners) == [0, 1, 2])
        #expect(owners.filter { $0 == 0 }.count == 86)
    }
}
