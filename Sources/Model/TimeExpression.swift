/// Times as people and scripts write them, the same on the command line and in every query
/// parameter (DESIGN.md, "Command line"): RFC 3339, a date (`2026-01-01`, midnight UTC), epoch
/// milliseconds, `now`, and `now` moved by a duration (`now-1h`, `now+30m`, or just `-1h`).
///
/// A bare number is epoch milliseconds unless a precision says otherwise. One that reads as a
/// date before 1973 in milliseconds is almost surely epoch seconds (`1796157728` is
/// 1970-01-21 in milliseconds, 2026-12-01 in seconds), so it is refused with an error that
/// says so rather than answered as an empty January 1970. Zero and negative numbers are taken
/// as they are: no second count reads as a plausible date there either.
public enum TimeExpression {
    /// 1973-01-01T00:00:00Z in epoch milliseconds: a positive number below it, read as
    /// milliseconds, is taken for epoch seconds and refused.
    public static let secondsCutoffMilliseconds: Int64 = 94_694_400_000

    /// Parses `text`; `now` resolves the relative forms, `unit` (when given) is the declared unit
    /// of a bare number, which then skips the epoch-seconds check.
    public static func parse(_ text: some StringProtocol, now: Timestamp, unit: EpochUnit? = nil) throws(TimeExpressionError) -> Timestamp {
        // A `+` left unescaped in a query string arrives as a space (`now+1h` as `now 1h`).
        let text = String(String(text).map { $0 == " " ? "+" : $0 })
        guard !text.isEmpty else { throw TimeExpressionError(text: text, problem: "it is empty") }
        if let timestamp = RFC3339.parse(text) { return timestamp }
        if let timestamp = date(text) { return timestamp }
        if let number = Int64(text) { return try epoch(number, text: text, unit: unit) }
        var rest = Substring(text)
        if rest.hasPrefix("now") { rest = rest.dropFirst(3) }
        guard rest.count < text.count || rest.first == "-" || rest.first == "+" else {
            throw TimeExpressionError(text: text, problem: "it is not RFC 3339 (2026-01-01T00:00:00Z), a date (2026-01-01), epoch milliseconds, now, now-1h or -1h")
        }
        guard let sign = rest.first else { return now }
        guard sign == "-" || sign == "+" else { throw TimeExpressionError(text: text, problem: "after 'now' comes -DURATION or +DURATION, as in now-1h") }
        let duration: Step
        do {
            duration = try Step(parsing: rest.dropFirst())
        } catch {
            throw TimeExpressionError(text: text, problem: "the duration \(error.problem)")
        }
        return now.advanced(by: sign == "-" ? -duration.nanoseconds : duration.nanoseconds)
    }

    /// A number of `unit`s since the epoch; without a unit, milliseconds checked against
    /// `secondsCutoffMilliseconds`.
    /// Allocates nothing unless it throws: JSON ingest calls it for every numeric timestamp.
    public static func epoch(_ number: Int64, text: String? = nil, unit: EpochUnit?) throws(TimeExpressionError) -> Timestamp {
        if unit == nil, number > 0, number < secondsCutoffMilliseconds {
            throw TimeExpressionError(text: text ?? String(number), problem: secondsMessage(number), looksLikeSeconds: true)
        }
        let (nanoseconds, overflow) = number.multipliedReportingOverflow(by: (unit ?? .milliseconds).nanoseconds)
        guard !overflow else { throw TimeExpressionError(text: text ?? String(number), problem: "it is outside the years 1678 to 2262") }
        return Timestamp(nanoseconds: nanoseconds)
    }

    /// Why a number that looks like epoch seconds is refused, with what to send instead.
    public static func secondsMessage(_ number: Int64) -> String {
        let asSeconds = Timestamp(nanoseconds: number &* 1_000_000_000)
        return "read as epoch milliseconds it is \(Timestamp(nanoseconds: number &* 1_000_000)), before 1973: it looks like epoch seconds "
            + "(\(asSeconds)); send milliseconds (\(number)000) or declare the unit with precision=s"
    }

    /// `YYYY-MM-DD`, midnight UTC.
    static func date(_ text: String) -> Timestamp? {
        guard text.utf8.count == 10 else { return nil }
        return RFC3339.parse(text + "T00:00:00Z")
    }
}

/// The declared unit of a bare epoch number (`precision=s|ms|us|ns`).
public enum EpochUnit: String, Sendable, CaseIterable {
    case seconds = "s"
    case milliseconds = "ms"
    case microseconds = "us"
    case nanoseconds = "ns"

    /// Nanoseconds in one unit.
    public var nanoseconds: Int64 {
        switch self {
        case .seconds: 1_000_000_000
        case .milliseconds: 1_000_000
        case .microseconds: 1_000
        case .nanoseconds: 1
        }
    }

    /// Parses `s`, `ms`, `us` or `ns`; `nil` for anything else.
    public init?(precision: some StringProtocol) {
        self.init(rawValue: String(precision))
    }
}

/// A time that could not be read, with what is wrong with it.
public struct TimeExpressionError: Error, Equatable, CustomStringConvertible {
    public let text: String
    public let problem: String
    /// A bare number refused as probable epoch seconds (rather than unreadable or out of range).
    public var looksLikeSeconds = false

    public var description: String { "'\(text)': \(problem)" }
}
