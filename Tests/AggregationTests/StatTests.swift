import Aggregation
import Model
import Testing

@Suite struct StatTests {
    @Test func parsesEveryStatOfTheContract() throws {
        for name in ["avg", "min", "max", "sum", "count", "stddev", "first", "last", "p50", "p90", "p95", "p99", "rate"] {
            #expect(try Stat(parsing: name).description == name)
        }
        #expect(try Stat(parsing: "p99.9").description == "p99.9")
        for bad in ["", "mean", "p", "p101", "p-1", "P50", "pabc"] {
            #expect(throws: StatError.self, "\(bad)") { try Stat(parsing: bad) }
        }
    }

    @Test func derivesStatsFromTheState() throws {
        var state = WindowState()
        let values: [Double] = [2, 4, 4, 4, 5, 5, 7, 9]
        for (index, value) in values.enumerated() { state.add(value, at: Int64(index)) }
        let window = try Step(parsing: "1m")
        #expect(state.value(of: .count, windowLength: window) == 8)
        #expect(state.value(of: .sum, windowLength: window) == 40)
        #expect(state.value(of: .avg, windowLength: window) == 5)
        #expect(state.value(of: .stddev, windowLength: window) == 2)
        #expect(state.value(of: .first, windowLength: window) == 2)
        #expect(state.value(of: .last, windowLength: window) == 9)
        #expect(state.value(of: .rate, windowLength: window) == 40.0 / 60.0)
        #expect(WindowState().value(of: .avg, windowLength: window) == nil)
        #expect(WindowState().value(of: .count, windowLength: window) == 0)
        #expect(WindowState(sketchMapping: nil).value(of: .quantile(0.5), windowLength: window) == nil)
    }
}
