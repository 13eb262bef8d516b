import Model
import Testing

@Suite struct ValidationTests {
    let validator = SampleValidator()
    let now = Timestamp(milliseconds: 1_767_225_600_000)!

    func reason(_ sample: Sample) -> ValidationError.Reason? {
        do {
            try validator.validate(sample, now: now)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func acceptsEveryAllowedNameCharacter() {
        #expect(reason(Sample(name: "cpu.load_1m:avg/host-A9", value: 1)) == nil)
        #expect(reason(Sample(name: String(repeating: "a", count: 200), value: 1)) == nil)
    }

    @Test func rejectsBadNamesWithTheRuleBroken() {
        #expect(reason(Sample(name: "", value: 1)) == .invalidName)
        #expect(reason(Sample(name: String(repeating: "a", count: 201), value: 1)) == .nameTooLong)
        for bad in ["cpu load", "cpu,x", "cpü", "a\nb", "x=y", "{a}"] {
            #expect(reason(Sample(name: bad, value: 1)) == .invalidName, "\(bad)")
        }
        #expect(throws: ValidationError(.invalidName, "metric name 'cpu load' has a character outside [A-Za-z0-9_.:/-] at byte 3")) {
            try validator.validate(name: "cpu load")
        }
    }

    @Test func rejectsNonFiniteValues() {
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(reason(Sample(name: "x", value: value)) == .nonFiniteValue)
        }
        #expect(reason(Sample(name: "x", value: -.greatestFiniteMagnitude)) == nil)
        #expect(reason(Sample(name: "x", value: .leastNonzeroMagnitude)) == nil)
    }

    @Test func checksTags() {
        let sixteen = (0..<16).map { Tag("k\($0)", "v") }
        #expect(reason(Sample(name: "x", value: 1, tags: sixteen)) == nil)
        #expect(reason(Sample(name: "x", value: 1, tags: sixteen + [Tag("k16", "v")])) == .tooManyTags)
        #expect(reason(Sample(name: "x", value: 1, tags: [Tag("host", "a"), Tag("host", "b")])) == .duplicateTag)
        #expect(reason(Sample(name: "x", value: 1, tags: [Tag("", "a")])) == .invalidTag)
        #expect(reason(Sample(name: "x", value: 1, tags: [Tag("bad key", "a")])) == .invalidTag)
        #expect(reason(Sample(name: "x", value: 1, tags: [Tag("k", "")])) == .invalidTag)
        #expect(reason(Sample(name: "x", value: 1, tags: [Tag("k", "a\u{1}")])) == .invalidTag)
        #expect(reason(Sample(name: "x", value: 1, tags: [Tag("region", "eu west, 2")])) == nil)
    }

    @Test func checksTimestampsAgainstConfigurableLimits() {
        let tenMinutes: Int64 = 600_000_000_000
        #expect(reason(Sample(name: "x", value: 1, timestamp: .epoch)) == nil)
        #expect(reason(Sample(name: "x", value: 1, timestamp: Timestamp(nanoseconds: -1))) == .timestampTooOld)
        #expect(reason(Sample(name: "x", value: 1, timestamp: now.advanced(by: tenMinutes))) == nil)
        #expect(reason(Sample(name: "x", value: 1, timestamp: now.advanced(by: tenMinutes + 1))) == .timestampInFuture)
        #expect(reason(Sample(name: "x", value: 1, timestamp: nil)) == nil)
        var limits = ValidationLimits()
        limits.earliest = now.advanced(by: -3_600_000_000_000)
        let strict = SampleValidator(limits: limits)
        #expect(throws: ValidationError.self) { try strict.validate(timestamp: now.advanced(by: -3_600_000_000_001), now: now) }
    }

    @Test func seriesKeysIgnoreTagOrder() {
        let a = SeriesKey(name: "cpu", tags: [Tag("region", "eu"), Tag("host", "a")])
        let b = SeriesKey(name: "cpu", tags: [Tag("host", "a"), Tag("region", "eu")])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.description == "cpu{host=a,region=eu}")
        #expect(a.tag("region") == "eu")
    }
}
