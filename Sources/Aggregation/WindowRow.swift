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
