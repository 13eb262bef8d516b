import Model
import TestSupport
import Testing

@Suite struct TimeTests {
    @Test func parsesRFC3339() {
        #expect(RFC3339.parse("2026-01-01T00:00:00.000Z")?.milliseconds == 1_767_225_600_000)
        #expect(RFC3339.parse("2026-01-01T00:00:00Z")?.milliseconds == 1_767_225_600_000)
        #expect(RFC3339.parse("2026-01-01T01:00:00+01:00")?.milliseconds == 1_767_225_600_000)
        #expect(RFC3339.parse("2025-12-31T19:30:00-04:30")?.milliseconds == 1_767_225_600_000)
        #expect(RFC3339.parse("1970-01-01T00:00:00.000000001Z")?.nanoseconds == 1)
        #expect(RFC3339.parse("2024-02-29T12:00:00.5Z")?.milliseconds == 1_709_208_000_500)
        #expect(RFC3339.parse("1969-12-31T23:59:59.999Z")?.milliseconds == -1)
        for bad in ["", "2026-01-01", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-01-01T24:00:00Z",
                    "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk", "2026-01-01T00:00:00+1:00"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func formatAndParseRoundTrip() {
        var random = SeededGenerator(seed: 3)
        for _ in 0..<2000 {
            let timestamp = Timestamp(nanoseconds: Int64.random(in: 0...9_000_000_000_000_000_000, using: &random))
            #expect(RFC3339.parse(timestamp.description) == timestamp, "\(timestamp)")
        }
        #expect(Timestamp(milliseconds: 1_767_225_600_000)!.description == "2026-01-01T00:00:00.000Z")
        #expect(Timestamp(nanoseconds: 1_500).description == "1970-01-01T00:00:00.000001500Z")
    }

    @Test func parsesSteps() throws {
        #expect(try Step(parsing: "1m") == Step.minute)
        #expect(try Step(parsing: "15m").nanoseconds == 900_000_000_000)
        #expect(try Step(parsing: "1h").description == "1h")
        #expect(try Step(parsing: "1d").nanoseconds == 86_400_000_000_000)
        #expect(try Step(parsing: "10s").description == "10s")
        #expect(try Step(parsing: "3600s").description == "1h")
        #expect(try Step(parsing: "500ms").description == "500ms")
        #expect(throws: StepError(text: "5x", problem: "unknown unit 'x'; use ms, s, m, h, d or w")) { try Step(parsing: "5x") }
        for bad in ["", "m", "0m", "-1m", "1.5h", "99999999999999999999d", "1 m"] {
            #expect(throws: StepError.self, "\(bad)") { try Step(parsing: bad) }
        }
    }

    @Test func windowsAlignToTheEpoch() throws {
        let day = try Step(parsing: "1d")
        let noon = RFC3339.parse("2026-03-04T12:34:56.789Z")!
        #expect(day.windowStart(of: noon) == RFC3339.parse("2026-03-04T00:00:00Z"))
        #expect(try Step(parsing: "15m").windowStart(of: noon) == RFC3339.parse("2026-03-04T12:30:00Z"))
        #expect(Step.minute.windowStart(of: Timestamp(nanoseconds: -1)) == Timestamp(nanoseconds: -60_000_000_000))
        #expect(try Step(parsing: "15m").isMultiple(of: .minute))
        #expect(try !Step(parsing: "90s").isMultiple(of: .minute))
    }
}
