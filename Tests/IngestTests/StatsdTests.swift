import Ingest
import Model
import Testing

@Suite struct StatsdTests {
    func parse(_ text: String) -> (metrics: [Statsd.Metric], errors: [ValidationError]) {
        Statsd.parse(Array(text.utf8), validator: SampleValidator())
    }

    @Test func typesRatesAndTags() {
        let (metrics, errors) = parse("hits:3|c|@0.5|#route:/a,env:prod\nload:0.7|g\nrt:12.5|ms\nsize:300|h\nq:-2|g\nflag:1|c|#canary")
        #expect(errors.isEmpty)
        #expect(metrics.map(\.sample.name) == ["hits", "load", "rt", "size", "q", "flag"])
        #expect(metrics.map(\.sample.value) == [6, 0.7, 12.5, 300, -2, 1])
        #expect(metrics.map(\.sample.type) == [.counter, .gauge, .timer, .timer, .gauge, .counter])
        #expect(metrics[0].sample.tags == [Tag("route", "/a"), Tag("env", "prod")])
        #expect(metrics[4].isGaugeDelta && !metrics[1].isGaugeDelta)
        #expect(metrics[5].sample.tags == [Tag("canary", "true")])
        #expect(metrics.allSatisfy { $0.sample.timestamp == nil })
    }

    @Test func badLinesAreRejectedWithAReason() {
        let (metrics, errors) = parse("ok:1|c\nnovalue|c\nx:abc|g\nu:1|s\nr:1|c|@2\nbad name:1|c\nnan:nan|g")
        #expect(metrics.map(\.sample.name) == ["ok"])
        #expect(errors.map(\.reason) == [.malformed, .malformed, .invalidType, .malformed, .invalidName, .nonFiniteValue])
    }
}
