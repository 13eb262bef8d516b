import Aggregation
import Model
import TestSupport
import Testing

/// Merge must be associative and commutative: any split of a sample set into partials, merged
/// in any order, gives the same answer as folding everything in one place.
@Suite struct MergePropertyTests {
    struct Case {
        var values: [Double]
        var times: [Int64]
    }

    /// Timestamps with many collisions, so that first/last tie-breaks are exercised.
    static func makeCase(_ values: [Double], using random: inout SeededGenerator) -> Case {
        Case(values: values, times: values.map { _ in Int64.random(in: 0...20, using: &random) })
    }

    static func fold(_ indices: some Sequence<Int>, of data: Case) -> WindowState {
        var state = WindowState()
        for index in indices { state.add(data.values[index], at: data.times[index]) }
        return state
    }

    /// Splits the samples into random parts, folds each, then merges random pairs until one is left.
    static func splitAndMerge(_ data: Case, using random: inout SeededGenerator) -> WindowState {
        let order = data.values.indices.shuffled(using: &random)
        let parts = Int.random(in: 1...min(12, data.values.count), using: &random)
        var cuts = (0..<(parts - 1)).map { _ in Int.random(in: 0...order.count, using: &random) }.sorted()
        cuts = [0] + cuts + [order.count]
        var pool = (0..<parts).map { fold(order[cuts[$0]..<cuts[$0 + 1]], of: data) }
        while pool.count > 1 {
            let a = pool.remove(at: Int.random(in: 0..<pool.count, using: &random))
            let b = pool.remove(at: Int.random(in: 0..<pool.count, using: &random))
            var merged = Bool.random(using: &random) ? a : b
            merged.merge(merged == a ? b : a)
            pool.append(merged)
        }
        return pool[0]
    }

    static func checkAgainstExact(_ state: WindowState, _ data: Case, seed: UInt64) {
        let values = data.values
        #expect(state.count == UInt64(values.count), "seed \(seed)")
        #expect(state.min == values.min(), "seed \(seed)")
        #expect(state.max == values.max(), "seed \(seed)")
        let earliest = data.times.min()!
        let latest = data.times.max()!
        let firstValue = zip(data.times, values).filter { $0.0 == earliest }.map(\.1).min()!
        let lastValue = zip(data.times, values).filter { $0.0 == latest }.map(\.1).max()!
        #expect(state.first == TimedValue(nanoseconds: earliest, value: firstValue), "seed \(seed)")
        #expect(state.last == TimedValue(nanoseconds: latest, value: lastValue), "seed \(seed)")
        let exactSum = Exact.sum(values)
        let scale = values.reduce(0) { max($0, abs($1)) }
        let sumError = exactSum == 0 ? abs(state.sum.value) / scale : Exact.relativeError(state.sum.value, exactSum)
        #expect(sumError <= 1e-12, "sum \(state.sum.value) vs exact \(exactSum), seed \(seed)")
        if exactSum != 0 {
            #expect(Exact.relativeError(state.mean, Exact.mean(values)) <= 1e-12, "avg, seed \(seed)")
        }
        let exactStddev = Exact.variance(values).squareRoot()
        let stddev = state.value(of: .stddev, windowLength: .minute)!
        guard exactStddev.isFinite else {
            // Squares beyond the double range: the state says so rather than inventing a value.
            #expect(stddev == .infinity, "seed \(seed)")
            return
        }
        #expect(Exact.relativeError(stddev, exactStddev) <= 1e-12, "stddev \(stddev) vs exact \(exactStddev), seed \(seed)")
    }

    @Test(arguments: 0..<60)
    func randomSplitsAgreeWithExactArithmetic(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let count = Int.random(in: 1...2000, using: &random)
        let values: [Double] = switch seed % 4 {
        case 0: Datasets.uniform(count, in: -1e3...1e3, using: &random)
        case 1: Datasets.lognormal(count, using: &random)
        case 2: (0..<count).map { _ in 1e6 + random.normal() }
        default: (0..<count).map { _ in Double(Int.random(in: -5...5, using: &random)) }
        }
        let data = Self.makeCase(values, using: &random)
        let whole = Self.fold(values.indices, of: data)
        let merged = Self.splitAndMerge(data, using: &random)
        Self.checkAgainstExact(whole, data, seed: seed)
        Self.checkAgainstExact(merged, data, seed: seed)
        #expect(merged.value(of: .quantile(0.5), windowLength: .minute) == whole.value(of: .quantile(0.5), windowLength: .minute))
    }

    @Test func adversarialDataAgreesWithExactArithmetic() {
        var random = SeededGenerator(seed: 99)
        for (number, values) in Datasets.adversarial(using: &random).enumerated() {
            let data = Self.makeCase(values, using: &random)
            Self.checkAgainstExact(Self.fold(values.indices, of: data), data, seed: UInt64(number))
            for round in 0..<20 {
                Self.checkAgainstExact(Self.splitAndMerge(data, using: &random), data, seed: UInt64(number * 100 + round))
            }
        }
    }

    @Test func cancellationIsExact() {
        var state = WindowState()
        for value in [1e16, 1, -1e16] { state.add(value, at: 0) }
        #expect(state.sum.value == 1)
        #expect(state.value(of: .avg, windowLength: .minute) == 1.0 / 3.0)
    }

    @Test func mergingEmptyStatesChangesNothing() {
        var state = WindowState()
        state.add(4, at: 1)
        let before = state
        state.merge(WindowState())
        #expect(state == before)
        var empty = WindowState()
        empty.merge(before)
        #expect(empty == before)
    }
}
