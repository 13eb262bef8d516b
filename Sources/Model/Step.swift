/// A length of time used as a window or a query step (`10s`, `1m`, `15m`, `1h`, `1d`).
/// Windows of a step are `[t, t + step)`, aligned to the UTC epoch, so days start at midnight UTC.
public struct Step: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The length in nanoseconds (always positive).
    public let nanoseconds: Int64

    /// Units accepted by `init(parsing:)`, longest-suffix first.
    static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
        ("h", 3_600_000_000_000), ("d", 86_400_000_000_000), ("w", 604_800_000_000_000),
    ]

    /// Creates a step of `nanoseconds`, which must be positive.
    public init?(nanoseconds: Int64) {
        guard nanoseconds > 0 else { return nil }
        self.nanoseconds = nanoseconds
    }

    /// One minute, the default base window.
    public static let minute = Step(nanoseconds: 60_000_000_000)!

    /// Parses `<positive integer><unit>` with unit `ms`, `s`, `m`, `h`, `d` or `w`.
    public init(parsing text: some StringProtocol) throws(StepError) {
        let text = String(text)
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count)
        guard !digits.isEmpty else { throw StepError(text: text, problem: "it must start with a whole number, as in 1m, 15m, 1h, 1d") }
        guard let match = Self.units.first(where: { $0.suffix == unit }) else {
            throw StepError(text: text, problem: "unknown unit '\(unit)'; use ms, s, m, h, d or w")
        }
        guard let count = Int64(digits), count > 0 else { throw StepError(text: text, problem: "the count must be between 1 and \(Int64.max)") }
        let (total, overflow) = count.multipliedReportingOverflow(by: match.nanoseconds)
        guard !overflow else { throw StepError(text: text, problem: "it is longer than about 292 years") }
        self.nanoseconds = total
    }

    /// Whether windows of `base` tile this step exactly (so it can be answered from them).
    public func isMultiple(of base: Step) -> Bool { nanoseconds % base.nanoseconds == 0 }

    /// The start of the window of this length that contains `timestamp`.
    @inline(__always)
    public func windowStart(of timestamp: Timestamp) -> Timestamp {
        Timestamp(nanoseconds: timestamp.nanoseconds.floorDivided(by: nanoseconds) &* nanoseconds)
    }

    /// The length in seconds, as used by `rate`.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public static func < (lhs: Step, rhs: Step) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The shortest spelling with the largest whole unit (`90s` stays `90s`, `3600s` is `1h`).
    public var description: String {
        for unit in Self.units.reversed() where nanoseconds % unit.nanoseconds == 0 {
            return "\(nanoseconds / unit.nanoseconds)\(unit.suffix)"
        }
        return "\(nanoseconds)ns"
    }
}

/// A step that could not be parsed, with what is wrong with it.
public struct StepError: Error, Equatable, CustomStringConvertible {
    public let text: String
    public let problem: String

    public init(text: String, problem: String) {
        self.text = text
        self.problem = problem
    }

    public var description: String { "invalid step '\(text)': \(problem)" }
}
