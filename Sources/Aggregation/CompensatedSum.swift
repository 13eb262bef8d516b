/// A running sum that carries its rounding error (Knuth's TwoSum, Neumaier-style), so that
/// `1e16 + 1 - 1e16` is `1` and long sums agree with exact arithmetic to about one ulp.
///
/// Overflow is a defined state, not an error: once the rounded sum leaves the double range it
/// is `±infinity` (NaN when sums overflowed in both directions were merged, as IEEE gives it)
/// and stays so; the compensation, which TwoSum turns into NaN at that point, is then ignored.
public struct CompensatedSum: Hashable, Sendable {
    /// The rounded running sum.
    public private(set) var sum: Double
    /// The accumulated rounding error of `sum`.
    public private(set) var compensation: Double

    public init(sum: Double = 0, compensation: Double = 0) {
        self.sum = sum
        self.compensation = compensation
    }

    /// The best estimate of the exact sum (`sum` itself once it overflowed).
    @inline(__always)
    public var value: Double { sum.isFinite ? sum + compensation : sum }

    /// Whether the running sum left the double range.
    public var overflowed: Bool { !sum.isFinite }

    /// Adds `x`, keeping the rounding error exactly (no branch, six flops).
    @inline(__always)
    public mutating func add(_ x: Double) {
        let total = sum + x
        let virtualX = total - sum
        compensation += (sum - (total - virtualX)) + (x - virtualX)
        sum = total
    }

    /// Adds another running sum.
    @inline(__always)
    public mutating func add(_ other: CompensatedSum) {
        add(other.sum)
        add(other.compensation)
    }
}
