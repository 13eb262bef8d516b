@testable import Aggregation
import TestSupport
import Testing

@Suite struct SketchTests {
    static let quantiles = [0.5, 0.9, 0.99]

    static func datasets(seed: UInt64) -> [(String, [Double])] {
        var random = SeededGenerator(seed: seed)
        return [
            ("uniform", Datasets.uniform(20_001, in: 0.001...1000, using: &random)),
            ("lognormal", Datasets.lognormal(20_001, using: &random)),
            ("bimodal", Datasets.bimodal(20_001, using: &random)),
            ("negative lognormal", Datasets.lognormal(5_001, using: &random).map { -$0 }),
        ]
    }

    func expectWithinAccuracy(_ sketch: QuantileSketch, _ sorted: [Double], _ label: String) {
        let accuracy = sketch.mapping.relativeAccuracy
        for q in Self.quantiles {
            let exact = Datasets.exactQuantile(q, sorted: sorted)
            let estimate = sketch.quantile(q)!
            #expect(abs(estimate - exact) <= accuracy * abs(exact) * (1 + 1e-9), "\(label) p\(q * 100): \(estimate) vs \(exact)")
        }
        // Ranks that fall on one sample exactly (the nearest-rank value).
        for rank in [0, sorted.count / 3, sorted.count - 1] {
            let q = Double(rank) / Double(sorted.count - 1)
            let estimate = sketch.quantile(q)!
            #expect(abs(estimate - sorted[rank]) <= accuracy * abs(sorted[rank]) * (1 + 1e-9), "\(label) rank \(rank)")
        }
    }

    @Test(arguments: [0.01, 0.005, 0.02])
    func quantilesStayWithinRelativeAccuracy(accuracy: Double) {
        let mapping = SketchMapping(relativeAccuracy: accuracy)!
        for (label, values) in Self.datasets(seed: 21) {
            var sketch = QuantileSketch(mapping: mapping)
            for value in values { sketch.add(value) }
            expectWithinAccuracy(sketch, values.sorted(), "\(label) α=\(accuracy)")
        }
    }

    @Test func mergedSketchesAnswerLikeOneSketch() {
        var random = SeededGenerator(seed: 22)
        for (label, values) in Self.datasets(seed: 23) {
            var whole = QuantileSketch()
            for value in values { whole.add(value) }
            var parts = (0..<7).map { _ in QuantileSketch() }
            for value in values { parts[Int.random(in: 0..<7, using: &random)].add(value) }
            var merged = QuantileSketch()
            for part in parts.shuffled(using: &random) { merged.merge(part) }
            #expect(merged.count == UInt64(values.count))
            for q in stride(from: 0.0, through: 1.0, by: 0.05) {
                #expect(merged.quantile(q) == whole.quantile(q), "\(label) q=\(q)")
            }
            expectWithinAccuracy(merged, values.sorted(), "merged \(label)")
        }
    }

    @Test func mixedSignsAndZeros() {
        var sketch = QuantileSketch()
        let values: [Double] = [-100, -1, 0, 0, 0, 1, 100]
        for value in values { sketch.add(value) }
        #expect(sketch.quantile(0.5) == 0)
        #expect(abs(sketch.quantile(0)! - (-100)) <= 1)
        #expect(abs(sketch.quantile(1)! - 100) <= 1)
        #expect(QuantileSketch().quantile(0.5) == nil)
    }

    @Test func windowStateClampsQuantilesToTheExactExtremes() {
        var state = WindowState()
        for value in [3.0, 5.0, 7.0] { state.add(value, at: 0) }
        #expect(state.value(of: .quantile(0), windowLength: .minute) == 3)
        #expect(state.value(of: .quantile(1), windowLength: .minute) == 7)
        #expect(state.value(of: .quantile(0.999999), windowLength: .minute)! <= 7)
    }

    @Test func extremeMagnitudesFoldIntoBoundedBuckets() {
        var sketch = QuantileSketch()
        for exponent in stride(from: -300, through: 300, by: 1) { sketch.add(pow(10, Double(exponent))) }
        #expect(sketch.count == 601)
        #expect(sketch.positive.counts.count <= SketchStore.bucketsMax)
        let top = sketch.quantile(1)!
        #expect(abs(top - 1e300) <= 0.01 * 1e300)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A rank is found the same walking from either end of the buckets.
@Suite struct SketchWalkTests {
    @Test func bothWalksFindTheSameBucketsAtEveryRank() {
        var random = SeededGenerator(seed: 0xd0e)
        for round in 0..<40 {
            var sketch = QuantileSketch(mapping: .standard)
            for _ in 0..<(1 + round * 7) {
                switch Int.random(in: 0..<5, using: &random) {
                case 0: sketch.add(0)
                case 1: sketch.add(-Double.random(in: 0.001...1000, using: &random))
                default: sketch.add(Double.random(in: 0.001...1000, using: &random))
                }
            }
            let total = sketch.count
            for rank in 0..<total {
                for next in [false, true] where !next || rank + 1 < total {
                    let top = sketch.valuesFromTop(atRank: rank, andNext: next, total: total)
                    let bottom = sketch.valuesFromBottom(atRank: rank, andNext: next)
                    #expect(top == bottom, "round \(round) rank \(rank) of \(total) next \(next)")
                }
            }
        }
    }
}
