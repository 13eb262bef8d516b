import Model
import TestSupport
import Testing

@Suite struct NamePatternTests {
    @Test func globsMatchAsWritten() throws {
        let cases: [(String, String, Bool)] = [
            ("demo.metric.*", "demo.metric.0", true), ("demo.metric.*", "demo.metric.", true), ("demo.metric.*", "demo.metrics.0", false),
            ("*", "anything", true), ("cpu", "cpu", true), ("cpu", "cpu2", false), ("cpu.?", "cpu.a", true), ("cpu.?", "cpu.ab", false),
            ("*.p99", "http.latency.p99", true), ("a*b*c", "aXXbYYc", true), ("a*b*c", "aXXbYY", false), ("**x", "x", true),
            ("a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
        ]
        for (pattern, name, want) in cases {
            #expect(try NamePattern(pattern).matches(name) == want, "\(pattern) ~ \(name)")
        }
        #expect(try NamePattern("demo.metric.*").literalPrefix == "demo.metric.")
        #expect(try NamePattern("demo.metric.*").isGlob)
        #expect(try !NamePattern("demo.metric.0").isGlob)
    }

    /// Against a reference matcher (a regular expression built from the pattern), over random
    /// names and patterns from a small alphabet.
    @Test func agreesWithARegularExpression() throws {
        var random = SeededGenerator(seed: 11)
        let letters = Array("ab.")
        for _ in 0..<3000 {
            let pattern = String((0..<Int.random(in: 1...6, using: &random)).map { _ in Array("ab.*?").randomElement(using: &random)! })
            let name = String((0..<Int.random(in: 1...8, using: &random)).map { _ in letters.randomElement(using: &random)! })
            let regex = try Regex("^" + pattern.map { $0 == "*" ? ".*" : $0 == "?" ? "." : $0 == "." ? "\\." : String($0) }.joined() + "$")
            #expect(try NamePattern(pattern).matches(name) == (name.wholeMatch(of: regex) != nil), "\(pattern) ~ \(name)")
        }
    }

    @Test func badPatternsAreRefusedWithTheirReason() {
        for (text, reason) in [("", ValidationError.Reason.invalidName), ("cpu load", .invalidName), ("cpu{x}", .invalidName),
                               (String(repeating: "a", count: 201), .nameTooLong)] {
            do {
                _ = try NamePattern(text)
                Issue.record("'\(text)' was taken")
            } catch {
                #expect(error.reason == reason, "\(text): \(error)")
            }
        }
    }
}
