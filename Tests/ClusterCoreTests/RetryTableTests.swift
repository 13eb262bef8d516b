import ClusterCore
import Testing
import Wire

@Suite struct RetryTableTests {
    static func reply(_ accepted: Int) -> IngestReply { IngestReply(batchID: 1, accepted: accepted, rejected: 0, errors: []) }

    @Test func aRememberedKeyAnswersWithItsFirstReplyUntilItsWindowEnds() {
        var table = RetryTable(windowNanoseconds: 100, keysMax: 10)
        let key = ProducerKey(producer: "p", sequence: 7)
        table.remember(key, reply: Self.reply(3), time: 1000)
        table.remember(key, reply: Self.reply(9), time: 1050)
        #expect(table.reply(for: key) == Self.reply(3))
        #expect(table.reply(for: ProducerKey(producer: "p", sequence: 8)) == nil)
        table.expire(now: 1100)
        #expect(table.reply(for: key) == Self.reply(3))
        table.expire(now: 1101)
        #expect(table.reply(for: key) == nil && table.count == 0)
    }

    @Test func theOldestKeysGoFirstWhenTheTableIsFull() {
        var table = RetryTable(windowNanoseconds: 1_000_000, keysMax: 3)
        for sequence in 0..<5 { table.remember(ProducerKey(producer: "p", sequence: UInt64(sequence)), reply: Self.reply(sequence), time: Int64(sequence)) }
        #expect(table.count == 3 && table.evictedEarly == 2)
        #expect(table.reply(for: ProducerKey(producer: "p", sequence: 1)) == nil)
        #expect(table.reply(for: ProducerKey(producer: "p", sequence: 4)) == Self.reply(4))
    }
}
