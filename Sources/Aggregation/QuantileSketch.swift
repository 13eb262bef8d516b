/// A mergeable quantile sketch in the style of DDSketch: every quantile it answers is within
/// `mapping.relativeAccuracy` of the true value at that rank, and merging two sketches gives
/// exactly the sketch of the combined data.
public struct QuantileSketch: Hashable, Sendable {
    public let mapping: SketchMapping
    /// Buckets of positive values.
    public private(set) var positive = SketchStore()
    /// Buckets of the magnitudes of negative values.
    public private(set) var negative = SketchStore()
    /// How many values were exactly zero.
    public private(set) var zeroCount: UInt64 = 0

    public init(mapping: SketchMapping = .standard) {
        self.mapping = mapping
    }

    init(mapping: SketchMapping, positive: SketchStore, negative: SketchStore, zeroCount: UInt64) {
        self.mapping = mapping
        self.positive = positive
        self.negative = negative
        self.zeroCount = zeroCount
    }

    /// How many values the sketch holds.
    public var count: UInt64 { positive.total &+ negative.total &+ zeroCount }

    /// Adds one finite value.
    @inline(__always)
    public mutating func add(_ value: Double) {
        if value > 0 {
            positive.add(mapping.index(value))
        } else if value < 0 {
            negative.add(mapping.index(-value))
        } else {
            zeroCount &+= 1
        }
    }

    /// Adds every value of `other`, which must use the same mapping.
    public mutating func merge(_ other: QuantileSketch) {
        precondition(mapping == other.mapping, "cannot merge sketches of different accuracy")
        positive.merge(other.positive)
        negative.merge(other.negative)
        zeroCount &+= other.zeroCount
    }

    /// The estimate of the value at rank `q·(n−1)` of the sorted values (`q` in `0...1`),
    /// interpolating linearly between the neighbouring ranks when `q·(n−1)` is fractional.
    /// `nil` when the sketch is empty.
    public func quantile(_ q: Double) -> Double? {
        let n = count
        guard n > 0 else { return nil }
        let rank = min(max(q, 0), 1) * Double(n - 1)
        let lowRank = UInt64(rank.rounded(.down))
        let fraction = rank - Double(lowRank)
        let (low, high) = values(atRank: lowRank, andNext: fraction > 0)
        return fraction > 0 ? low + (high - low) * fraction : low
    }

    /// The representative values of the buckets holding the `rank`-th smallest value (from 0)
    /// and, when `next`, the one after it: one pass over the buckets, from the end nearer the rank
    /// (a p99 walks down from the largest).
    func values(atRank rank: UInt64, andNext next: Bool) -> (Double, Double) {
        let total = count
        if rank >= total / 2 && rank < total { return valuesFromTop(atRank: rank, andNext: next, total: total) }
        return valuesFromBottom(atRank: rank, andNext: next)
    }

    /// As `values(atRank:andNext:)`, walking from the smallest value.
    func valuesFromBottom(atRank rank: UInt64, andNext next: Bool) -> (Double, Double) {
        let target = next ? rank + 1 : rank
        var seen: UInt64 = 0
        var low: Double?
        func visit(_ count: UInt64, _ value: @autoclosure () -> Double) -> (Double, Double)? {
            seen += count
            if low == nil && seen > rank { low = value() }
            if seen > target { return (low!, value()) }
            return nil
        }
        // Negative values: the largest magnitudes are the smallest values.
        for position in negative.counts.indices.reversed() where negative.counts[position] > 0 {
            if let found = visit(negative.counts[position], -mapping.value(negative.offset + Int32(position))) { return found }
        }
        if zeroCount > 0, let found = visit(zeroCount, 0) { return found }
        for position in positive.counts.indices where positive.counts[position] > 0 {
            if let found = visit(positive.counts[position], mapping.value(positive.offset + Int32(position))) { return found }
        }
        let last = low ?? 0
        return (last, last)
    }

    /// As `values(atRank:andNext:)`, walking from the largest value: the `rank`-th smallest is
    /// the `(total − 1 − rank)`-th largest, and the one after it comes first.
    func valuesFromTop(atRank rank: UInt64, andNext next: Bool, total: UInt64) -> (Double, Double) {
        let fromTop = total - 1 - rank
        let nextFromTop = next && fromTop > 0 ? fromTop - 1 : fromTop
        var seen: UInt64 = 0
        var high: Double?
        func visit(_ count: UInt64, _ value: @autoclosure () -> Double) -> (Double, Double)? {
            seen += count
            if high == nil && seen > nextFromTop { high = value() }
            if seen > fromTop { return (value(), high!) }
            return nil
        }
        for position in positive.counts.indices.reversed() where positive.counts[position] > 0 {
            if let found = visit(positive.counts[position], mapping.value(positive.offset + Int32(position))) { return found }
        }
        if zeroCount > 0, let found = visit(zeroCount, 0) { return found }
        for position in negative.counts.indices where negative.counts[position] > 0 {
            if let found = visit(negative.counts[position], -mapping.value(negative.offset + Int32(position))) { return found }
        }
        let last = high ?? 0
        return (last, last)
    }
}
