/// The bucket counts of one sign of a sketch: a dense array over a contiguous index range.
public struct SketchStore: Hashable, Sendable {
    /// Most buckets kept; past it the lowest buckets are folded together (never reached with
    /// 1 % accuracy unless one window spans more than 17 orders of magnitude).
    public static let bucketsMax = 2048

    /// The index of `counts[0]`.
    public private(set) var offset: Int32 = 0
    /// Counts per bucket; may carry zero buckets at either end.
    public private(set) var counts: [UInt64] = []
    /// The sum of `counts`.
    public private(set) var total: UInt64 = 0

    public init() {}

    /// Creates a store from decoded buckets (`counts[0]` has index `offset`).
    init(offset: Int32, counts: [UInt64], total: UInt64) {
        self.offset = offset
        self.counts = counts
        self.total = total
    }

    @inline(__always)
    public mutating func add(_ index: Int32, count: UInt64 = 1) {
        if counts.isEmpty {
            offset = index
            counts = [UInt64](repeating: 0, count: 8)
        }
        var position = Int(index) - Int(offset)
        if position < 0 || position >= counts.count {
            position = grow(toInclude: index)
        }
        counts[position] &+= count
        total &+= count
    }

    /// Widens the range to include `index` (with slack, so growth is rare) and returns its position.
    mutating func grow(toInclude index: Int32) -> Int {
        let low = min(Int(index), Int(offset))
        let high = max(Int(index), Int(offset) + counts.count - 1)
        if high - low + 1 > Self.bucketsMax {
            return foldLowest(toInclude: index)
        }
        let slack = min(64, Self.bucketsMax - (high - low + 1))
        if Int(index) < Int(offset) {
            let extra = Int(offset) - Int(index) + slack / 2
            let newOffset = max(Int(offset) - extra, high - Self.bucketsMax + 1)
            counts.insert(contentsOf: repeatElement(0, count: Int(offset) - newOffset), at: 0)
            offset = Int32(newOffset)
        } else {
            let needed = Int(index) - Int(offset) + 1 + slack / 2
            counts.append(contentsOf: repeatElement(0, count: min(needed, Self.bucketsMax) - counts.count))
        }
        return Int(index) - Int(offset)
    }

    /// Keeps the highest `bucketsMax` buckets, folding everything below into the lowest kept one.
    mutating func foldLowest(toInclude index: Int32) -> Int {
        let high = max(Int(index), Int(offset) + counts.count - 1)
        let newOffset = high - Self.bucketsMax + 1
        var folded = [UInt64](repeating: 0, count: Self.bucketsMax)
        for (position, count) in counts.enumerated() where count > 0 {
            folded[max(0, Int(offset) + position - newOffset)] &+= count
        }
        counts = folded
        offset = Int32(newOffset)
        return max(0, Int(index) - newOffset)
    }

    /// Adds every bucket of `other`.
    public mutating func merge(_ other: SketchStore) {
        guard other.total > 0 else { return }
        let (otherOffset, otherCounts) = other.trimmed
        if counts.isEmpty {
            offset = otherOffset
            counts = Array(otherCounts)
            total = other.total
            return
        }
        // Widen once to cover the other range, then add bucket by bucket in one pass; past the
        // bucket limit (folding), bucket by bucket through `add`.
        let low = Int(otherOffset)
        let high = low + otherCounts.count - 1
        if low < Int(offset) { _ = grow(toInclude: Int32(low)) }
        if high >= Int(offset) + counts.count { _ = grow(toInclude: Int32(high)) }
        guard low >= Int(offset), high < Int(offset) + counts.count else {
            for (position, count) in zip(low..., otherCounts) where count > 0 { add(Int32(position), count: count) }
            return
        }
        let shift = low - Int(offset)
        counts.withUnsafeMutableBufferPointer { buffer in
            for (position, count) in otherCounts.enumerated() { buffer[shift + position] &+= count }
        }
        total &+= other.total
    }

    /// The non-zero range of buckets, as (first index, counts).
    public var trimmed: (offset: Int32, counts: ArraySlice<UInt64>) {
        guard let first = counts.firstIndex(where: { $0 > 0 }), let last = counts.lastIndex(where: { $0 > 0 }) else {
            return (0, [])
        }
        return (offset + Int32(first), counts[first...last])
    }
}
