import ClusterCore
import Model
import Testing

/// A query spec from a peer is checked before it is answered: each bad field gets an error
/// naming it (a step of 0 used to trap the reducer).
@Suite struct QuerySpecValidationTests {
    static let minute = Step.minute.nanoseconds
    static let good = QuerySpec(name: "cpu", from: 0, to: 86_400_000_000_000, step: minute, stats: ["avg", "p99"])

    @Test func aGoodSpecPasses() throws {
        #expect(try Self.good.validated(window: .minute) == Self.good)
    }

    @Test func aBadFieldIsNamed() {
        func with(_ change: (inout QuerySpec) -> Void) -> QuerySpec {
            var spec = Self.good
            change(&spec)
            return spec
        }
        let cases: [(String, QuerySpec)] = [
            ("step", with { $0.step = 0 }), ("step", with { $0.step = 90_000_000_000 }), ("step", with { $0.step = -60_000_000_000 }),
            ("before", with { $0.to = $0.from }), ("name", with { $0.name = "" }), ("p101", with { $0.stats = ["p101"] }),
            ("stats", with { $0.stats = [] }), ("16", with { $0.groupBy = (0..<17).map { "k\($0)" } }),
        ]
        for (word, spec) in cases {
            do {
                _ = try spec.validated(window: .minute)
                Issue.record("\(spec) passed")
            } catch {
                #expect(error.description.contains(word) && error.description.hasPrefix("invalid query:"), "\(error)")
            }
        }
    }
}
