/// One window of one series: the unit that partial batches and shard blocks carry.
public struct WindowRow: Hashable, Sendable {
    /// Index of the series in the enclosing batch's or block's series table.
    public var seriesIndex: UInt32
    /// Start of the window, in nanoseconds since the epoch.
    public var windowStart: Int64
    public var state: WindowState

    public init(seriesIndex: UInt32, windowStart: Int64, state: WindowState) {
        self.seriesIndex = seriesIndex
        self.windowStart = windowStart
        self.state = state
    }
}

/// A decoded row whose fields cannot belong to any state: set aside (quarantined) instead of
/// failing the batch or block it came in, so the rest of it still flows.
public struct QuarantinedRow: Hashable, Sendable, CustomStringConvertible {
    /// Position of the row in its batch or block.
    public var index: Int
    public var seriesIndex: UInt32
    public var windowStart: Int64
    /// What failed, e.g. `min 3.0 and max 1.0 are not an ordered pair of finite values`.
    public var reason: String

    public init(index: Int, seriesIndex: UInt32, windowStart: Int64, reason: String) {
        self.index = index
        self.seriesIndex = seriesIndex
        self.windowStart = windowStart
        self.reason = reason
    }

    public var description: String { "row \(index) (series \(seriesIndex), window \(windowStart)): \(reason)" }
}
