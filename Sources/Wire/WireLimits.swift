/// Bounds a decoder enforces before allocating anything, so that a hostile or corrupt frame
/// cannot make a process run out of memory.
public struct WireLimits: Sendable, Equatable {
    /// Largest payload before compression, in bytes (default 64 MiB).
    public var payloadBytesMax = 64 << 20
    /// Most samples or window rows in one batch (default 4 Mi).
    public var itemsMax = 4 << 20
    /// Most distinct series in one batch's series table (default 1 Mi).
    public var seriesMax = 1 << 20
    /// Most tags on one series (the data model allows 16; this bounds decoding only).
    public var tagsMax = 64
    /// Longest string in a series table, in bytes.
    public var stringBytesMax = 4096

    public init() {}
}
