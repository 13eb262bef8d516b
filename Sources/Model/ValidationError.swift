/// Why a sample was rejected: a stable `reason` for metric labels, and a message that names
/// the rule and the offending value.
public struct ValidationError: Error, Equatable, CustomStringConvertible {
    /// The rules a sample can break. The raw values are the `reason` labels in `/metrics`.
    public enum Reason: String, Sendable, CaseIterable {
        case invalidName = "invalid_name"
        case nameTooLong = "name_too_long"
        case nonFiniteValue = "non_finite_value"
        case tooManyTags = "too_many_tags"
        case invalidTag = "invalid_tag"
        case duplicateTag = "duplicate_tag"
        case timestampTooOld = "timestamp_too_old"
        case timestampInFuture = "timestamp_in_future"
        /// A bare number that reads as a date before 1973 in milliseconds: epoch seconds, surely.
        case timestampInSeconds = "timestamp_in_seconds"
        case invalidType = "invalid_type"
        case malformed = "malformed"
        case seriesLimit = "series_limit"
        case nameSeriesLimit = "name_series_limit"
        case clusterSeriesLimit = "cluster_series_limit"
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}
