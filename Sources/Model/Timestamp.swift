/// A point in UTC time, in nanoseconds since the Unix epoch (covers 1678 to 2262).
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The Unix epoch, 1970-01-01T00:00:00Z.
    public static let epoch = Timestamp(nanoseconds: 0)

    /// Creates a timestamp from epoch milliseconds, or `nil` if it is outside the range.
    public init?(milliseconds: Int64) {
        let (value, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return nil }
        self.init(nanoseconds: value)
    }

    /// Epoch milliseconds, rounded down.
    public var milliseconds: Int64 { nanoseconds.floorDivided(by: 1_000_000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The timestamp `nanoseconds` later (saturating at the ends of the range).
    public func advanced(by nanoseconds: Int64) -> Timestamp {
        let (value, overflow) = self.nanoseconds.addingReportingOverflow(nanoseconds)
        if overflow { return Timestamp(nanoseconds: nanoseconds > 0 ? .max : .min) }
        return Timestamp(nanoseconds: value)
    }

    /// RFC 3339 in UTC with millisecond precision (more digits only when needed).
    public var description: String { RFC3339.format(self) }
}

extension Int64 {
    /// Division rounding toward negative infinity (window alignment before 1970 included).
    @inline(__always)
    public func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
