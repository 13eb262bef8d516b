@testable import Ingest
import Model
import Testing
import Wire

/// Requests sharing a prefix cache parse exactly what requests without one parse; later
/// requests take their prefixes from it; it stops growing at its limit; invalid prefixes are
/// never cached.
@Suite struct LinePrefixCacheTests {
    let now = Timestamp(milliseconds: 1_767_225_600_000)!

    func body(_ hosts: Range<Int>) -> [UInt8] {
        Array(hosts.map { "cpu,host=h\($0),region=eu value=\($0).5,idle=\($0) 1767225600000000000\nbad\\ tag,=x value=1\n" }.joined().utf8)
    }

    static func samples(_ parsed: LineProtocol.Parsed) -> [String] {
        (0..<parsed.batch.count).map { index in
            let series = parsed.batch.series[Int(parsed.batch.seriesIndices[index])].key
            return "\(series) \(parsed.batch.values[index].bitPattern) \(parsed.batch.timestamps[index])"
        }
    }

    @Test func aSharedCacheChangesNoAnswerAndIsUsedAndBounded() {
        let cache = LinePrefixCache(entriesMax: 150)
        for hosts in [0..<100, 50..<200, 0..<300] {
            let plain = LineProtocol.parse(body(hosts), precision: .nanoseconds, validator: SampleValidator(), now: now)
            let cached = LineProtocol.parse(body(hosts), precision: .nanoseconds, validator: SampleValidator(), now: now, prefixes: cache)
            #expect(Self.samples(cached) == Self.samples(plain))
            #expect(cached.errors.map(\.line) == plain.errors.map(\.line) && cached.lines == plain.lines)
            #expect(cached.batch.count == 2 * hosts.count)
        }
        #expect(cache.snapshot().count == 150)
        #expect(cache.isFull)
        #expect(cache.snapshot().keys.allSatisfy { !String(decoding: $0, as: UTF8.self).hasPrefix("bad") })
        // A request whose prefixes are all known learns nothing.
        var parser = LineBatchParser(precision: .nanoseconds, validator: SampleValidator(), now: now, capacity: 100)
        parser.known = cache.snapshot()
        parser.learns = true
        body(0..<10).withUnsafeBufferPointer { parser.parse($0) }
        #expect(parser.learned.isEmpty && parser.builder.finish(id: 0).count == 20)
    }
}
