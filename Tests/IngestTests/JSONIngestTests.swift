import Ingest
import Model
import Testing

@Suite struct JSONIngestTests {
    let now = Timestamp(milliseconds: 1_767_225_600_000)!

    @Test func nonFiniteTokensRejectOnlyTheirItem() throws {
        let body = #"[{"name":"a","value":1},{"name":"a","value":NaN},{"name":"a","value":Infinity},{"name":"a","value":-Infinity},{"name":"a","value":2.5}]"#
        let parsed = try JSONIngest.parse(Array(body.utf8), validator: SampleValidator(), now: now)
        #expect(parsed.samples.map(\.value) == [1, 2.5])
        #expect(parsed.indices == [0, 4])
        #expect(parsed.errors.map(\.index) == [1, 2, 3])
        #expect(parsed.errors.allSatisfy { $0.error.reason == .nonFiniteValue })
    }

    @Test func otherBareWordsAreStillSyntaxErrors() {
        for body in [#"{"name":"a","value":nan}"#, #"{"name":"a","value":-Inf}"#, #"{"name":"a","value":Infinit}"#] {
            #expect(throws: JSONSyntaxError.self) { try JSONIngest.parse(Array(body.utf8), validator: SampleValidator(), now: now) }
        }
    }
}

@Suite struct JSONTimestampUnitTests {
    let now = Timestamp(milliseconds: 1_796_140_800_000)!

    @Test func epochSecondsAreRefusedWithTheirOwnReason() throws {
        let body = #"[{"name":"a","value":1,"timestamp":1796140800},{"name":"a","value":2,"timestamp":"1796140800"},{"name":"a","value":3,"timestamp":1796140800.5},{"name":"a","value":4,"timestamp":1796140800000}]"#
        let parsed = try JSONIngest.parse(Array(body.utf8), validator: SampleValidator(), now: now)
        #expect(parsed.indices == [3])
        #expect(parsed.samples.first?.timestamp == now)
        #expect(parsed.errors.map(\.index) == [0, 1, 2])
        #expect(parsed.errors.allSatisfy { $0.error.reason == .timestampInSeconds && $0.error.message.contains("epoch seconds") })
    }

    @Test func aDeclaredPrecisionReadsNumbersInItsUnit() throws {
        let body = #"[{"name":"a","value":1,"timestamp":1796140800},{"name":"a","value":2,"timestamp":1796140800.25}]"#
        let parsed = try JSONIngest.parse(Array(body.utf8), validator: SampleValidator(), now: now, unit: .seconds)
        #expect(parsed.errors.isEmpty)
        #expect(parsed.samples.map { $0.timestamp?.milliseconds } == [1_796_140_800_000, 1_796_140_800_250])
        let nanos = try JSONIngest.parse(Array(#"{"name":"a","value":1,"timestamp":1796140800000000000}"#.utf8), validator: SampleValidator(), now: now, unit: .nanoseconds)
        #expect(nanos.samples.first?.timestamp == now)
    }
}
