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
        let lowRank = rank.rounded(.down)
        let low = value(atRank: UInt64(lowRank))
        let fraction = rank - lowRank
        guard fraction > 0 else { return low }
        let high = value(atRank: UInt64(lowRank) + 1)
        return low + (high - low) * fraction
    }

    /// The representative value of the bucket holding the `rank`-th smallest value (from 0).
    func value(atRank rank: UInt64) -> Double {
        var seen: UInt64 = 0
        // Negative values: the largest magnitudes are the smallest values.
        for position in negative.counts.indices.reversed() where negative.counts[position] > 0 {
            seen += negative.counts[position]
            if seen > rank { return -mapping.value(negative.offset + Int32(position)) }
        }
        seen += zeroCount
        if seen > rank { return 0 }
        for position in positive.counts.indices where positive.counts[position] > 0 {
            seen += positive.counts[position]
            if seen > rank { return mapping.value(positive.offset + Int32(position)) }
        }
        return mapping.value(positive.offset + Int32(positive.counts.count - 1))
    }
}
