/// A series slot and a window start: the key of one open window state.
public struct WindowKey: Hashable, Sendable {
    public var slot: Int32
    public var windowStart: Int64

    @inline(__always)
    public init(slot: Int32, windowStart: Int64) {
        self.slot = slot
        self.windowStart = windowStart
    }
}
