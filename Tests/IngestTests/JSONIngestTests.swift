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
