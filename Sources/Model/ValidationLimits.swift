/// The limits every ingested sample is checked against. The defaults are DESIGN.md's.
public struct ValidationLimits: Sendable, Equatable {
    /// Longest metric name, in bytes.
    public var nameBytesMax = 200
    /// Most tags on one sample.
    public var tagsMax = 16
    /// Longest tag key, in bytes.
    public var tagKeyBytesMax = 100
    /// Longest tag value, in bytes.
    public var tagValueBytesMax = 256
    /// Earliest accepted timestamp (default: the epoch).
    public var earliest = Timestamp.epoch
    /// How far past the current time a timestamp may lie, in nanoseconds (default: 10 minutes).
    public var futureNanosecondsMax: Int64 = 600_000_000_000
    /// How far before the current time a timestamp may lie, in nanoseconds (0: only `earliest` bounds it).
    public var pastNanosecondsMax: Int64 = 0

    public init() {}
}
