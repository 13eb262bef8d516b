/// A partial batch waiting for its reducer's acknowledgement.
struct PendingPartial {
    var end: UInt64
    var frame: [UInt8]
    var rowCount: Int
    /// When it was last sent (nil: not sent yet).
    var sentAt: ContinuousClock.Instant?
}

/// One flush: the log position it reached and the wall-clock time it was cut, for the watermark.
struct FlushEpoch {
    var end: UInt64
    var cutTime: Int64
}
