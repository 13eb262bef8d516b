import Model
import Testing

@Suite struct TimeExpressionTests {
    /// 2026-12-01T12:00:00Z.
    let now = Timestamp(milliseconds: 1_796_126_400_000)!

    @Test func everyFormReadsTheSameInstant() throws {
        let noon = now.milliseconds
        #expect(try TimeExpression.parse("2026-12-01T12:00:00Z", now: now).milliseconds == noon)
        #expect(try TimeExpression.parse("2026-12-01T13:00:00+01:00", now: now).milliseconds == noon)
        #expect(try TimeExpression.parse(String(noon), now: now).milliseconds == noon)
        #expect(try TimeExpression.parse("2026-12-01", now: now).milliseconds == noon - 12 * 3_600_000)
        #expect(try TimeExpression.parse("now", now: now) == now)
        #expect(try TimeExpression.parse("now-1h", now: now).milliseconds == noon - 3_600_000)
        #expect(try TimeExpression.parse("-1h", now: now).milliseconds == noon - 3_600_000)
        #expect(try TimeExpression.parse("now+30m", now: now).milliseconds == noon + 1_800_000)
        #expect(try TimeExpression.parse("+1d", now: now).milliseconds == noon + 86_400_000)
        #expect(try TimeExpression.parse("now 30m", now: now).milliseconds == noon + 1_800_000)
        #expect(try TimeExpression.parse("now-2w", now: now).milliseconds == noon - 14 * 86_400_000)
        #expect(try TimeExpression.parse("0", now: now) == .epoch)
        #expect(try TimeExpression.parse("-5000", now: now).milliseconds == -5000)
    }

    @Test func numbersThatLookLikeSecondsAreRefusedUnlessAUnitIsDeclared() throws {
        // 1796157728 is 2026-12-01 in seconds but 1970-01-21 in milliseconds.
        let error = try #require(throws: TimeExpressionError.self) { try TimeExpression.parse("1796157728", now: now) }
        #expect(error.problem.contains("epoch seconds"))
        #expect(error.problem.contains("1796157728000"))
        #expect(error.problem.contains("1970-01-21"))
        #expect(try TimeExpression.parse("1796157728", now: now, unit: .seconds).milliseconds == 1_796_157_728_000)
        #expect(try TimeExpression.parse("1796157728", now: now, unit: .milliseconds).milliseconds == 1_796_157_728)
        #expect(try TimeExpression.parse("1796157728000000", now: now, unit: .microseconds).milliseconds == 1_796_157_728_000)
        // The boundary: 1973-01-01 in milliseconds is taken, one less is not.
        #expect(try TimeExpression.parse("94694400000", now: now).milliseconds == 94_694_400_000)
        #expect(throws: TimeExpressionError.self) { try TimeExpression.parse("94694399999", now: now) }
    }

    @Test func badTextNamesWhatIsWrong() {
        for (text, says) in [("yesterday", "now-1h"), ("now-", "duration"), ("now-1y", "unknown unit"), ("now*2", "-DURATION"), ("", "empty"),
                             ("2026-13-01", "RFC 3339"), ("99999999999999999999", "RFC 3339")] {
            do {
                _ = try TimeExpression.parse(text, now: now)
                Issue.record("'\(text)' was taken")
            } catch {
                #expect(error.description.contains(says), "\(text): \(error)")
            }
        }
        #expect(throws: TimeExpressionError.self) { try TimeExpression.parse("9223372036854775807", now: now, unit: .seconds) }
    }

    @Test func precisionsParse() {
        #expect(EpochUnit.allCases.compactMap { EpochUnit(precision: $0.rawValue) } == EpochUnit.allCases)
        #expect(EpochUnit(precision: "fortnight") == nil)
    }
}
