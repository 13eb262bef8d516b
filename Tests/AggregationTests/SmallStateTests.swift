import Aggregation
import Codec
import Model
import TestSupport
import Testing

/// A window keeps its values exactly up to `WindowState.exactMax` and grows into a sketch past
/// it; whatever the path (adds, merges of any split, an encode and decode), the state answers
/// like the exact reference: quantiles from the sorted list while the values are kept, within
/// the sketch's accuracy beyond.
@Suite struct SmallStateTests {
    /// The value at rank `q·(n−1)` of `sorted`, interpolated: the contract's definition.
    static func exactQuantile(_ sorted: [Double], _ q: Double) -> Double {
        let rank = q * Double(sorted.count - 1)
        let low = Int(rank.rounded(.down))
        let fraction = rank - Double(low)
        return fraction > 0 ? sorted[low] + (sorted[low + 1] - sorted[low]) * fraction : sorted[low]
    }

    static func states(of values: [Double], using random: inout SeededGenerator) -> (added: WindowState, merged: WindowState) {
        var added = WindowState()
        for (index, value) in values.enumerated() { added.add(value, at: Int64(index % 7)) }
        var parts = [WindowState]()
        for (index, value) in values.enumerated() {
            if parts.isEmpty || Bool.random(using: &random) { parts.append(WindowState()) }
            parts[parts.count - 1].add(value, at: Int64(index % 7))
        }
        var merged = WindowState()
        for part in parts.shuffled(using: &random) { merged.merge(part) }
        return (added, merged)
    }

    @Test(arguments: 1...12)
    func fewValuesAnswerExactQuantilesAndMoreGrowIntoASketch(count: Int) throws {
        var random = SeededGenerator(seed: UInt64(count))
        for _ in 0..<50 {
            let values = (0..<count).map { _ in (Double.random(in: -1000...1000, using: &random) * 8).rounded() / 8 }
            let sorted = values.sorted()
            let (added, merged) = Self.states(of: values, using: &random)
            for state in [added, merged] {
                #expect(state.count == UInt64(count))
                if count <= WindowState.exactMax {
                    #expect(state.exactValues?.sorted() == sorted)
                    if case .sketch = state.quantiles { Issue.record("\(count) values became a sketch") }
                } else {
                    #expect(state.exactValues == nil)
                }
                for q in [0.0, 0.1, 0.25, 0.5, 0.9, 0.99, 1.0] {
                    let want = Self.exactQuantile(sorted, q)
                    let got = try #require(state.value(of: .quantile(q), windowLength: .minute))
                    if count <= WindowState.exactMax {
                        #expect(got == want, "q \(q) of \(sorted)")
                    } else if q == 0 || q == 1 {
                        #expect(got == want)
                    }
                }
            }
            #expect(added.quantile(0.5) == merged.quantile(0.5) || count > WindowState.exactMax)
        }
    }

    @Test(arguments: [1, 2, 3, 8, 9, 40])
    func rowsRoundTripWhateverTheirForm(count: Int) throws {
        var random = SeededGenerator(seed: 100 + UInt64(count))
        let window: Int64 = 60_000_000_000
        var rows = [WindowRow]()
        for index in 0..<20 {
            var state = WindowState()
            for _ in 0..<count { state.add(Double.random(in: 0.001...1e6, using: &random), at: Int64(index) * window + Int64.random(in: 0..<window, using: &random)) }
            rows.append(WindowRow(seriesIndex: UInt32(index % 3), windowStart: Int64(index) * window, state: state))
        }
        var writer = ByteWriter()
        WindowColumns.encode(rows, windowNanoseconds: window, withQuantiles: true, into: &writer)
        var reader = ByteReader(writer.bytes, subject: "rows")
        var quarantine = [QuarantinedRow]()
        let decoded = try WindowColumns.decode(count: rows.count, seriesCount: 3, windowNanoseconds: window, sketchMapping: .standard,
                                               from: &reader, quarantine: &quarantine)
        try reader.expectEnd()
        #expect(quarantine.isEmpty)
        #expect(decoded.count == rows.count)
        for (got, want) in zip(decoded, rows) {
            #expect(got.seriesIndex == want.seriesIndex && got.windowStart == want.windowStart)
            #expect(got.state.count == want.state.count && got.state.sum == want.state.sum && got.state.m2 == want.state.m2)
            #expect(got.state.min == want.state.min && got.state.max == want.state.max)
            #expect(got.state.first == want.state.first && got.state.last == want.state.last)
            #expect(got.state.exactValues == want.state.exactValues)
            for q in [0.1, 0.5, 0.9, 0.99] { #expect(got.state.quantile(q) == want.state.quantile(q)) }
        }
    }

    @Test func aOneSampleRowCostsAboutWhatItsSampleCosts() {
        var state = WindowState()
        state.add(42.5, at: 1_700_000_000_123_000_000)
        let window: Int64 = 60_000_000_000
        let start = 1_700_000_000_123_000_000 / window * window
        let rows = (0..<1000).map { WindowRow(seriesIndex: UInt32($0), windowStart: start, state: state) }
        var writer = ByteWriter()
        WindowColumns.encode(rows, windowNanoseconds: window, withQuantiles: true, into: &writer)
        // Series (2), window (1 after the first), count (1), time offset (5) and value (8).
        #expect(writer.count < rows.count * 18)
    }

    @Test func theMappingWithoutLogKeepsItsAccuracyOverEveryMagnitude() {
        var random = SeededGenerator(seed: 7)
        for accuracy in [0.01, 0.001, 0.05] {
            let mapping = SketchMapping(relativeAccuracy: accuracy)!
            var magnitudes = (0..<20_000).map { _ in Double(sign: .plus, exponent: Int.random(in: -1020...1023, using: &random),
                                                            significand: Double.random(in: 1..<2, using: &random)) }
            magnitudes += [1, 2, 0.5, 1.5, .leastNormalMagnitude, 1e308, .greatestFiniteMagnitude]
            for magnitude in magnitudes {
                let estimate = mapping.value(mapping.index(magnitude))
                #expect(abs(estimate - magnitude) <= accuracy * magnitude * (1 + 1e-9), "\(magnitude) at accuracy \(accuracy): \(estimate)")
            }
            // Indices increase with the magnitude.
            let sorted = magnitudes.sorted()
            #expect(zip(sorted, sorted.dropFirst()).allSatisfy { mapping.index($0) <= mapping.index($1) })
        }
    }
}
