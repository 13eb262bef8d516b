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

/// Finds the state of a window key among states numbered 0, 1, 2, … whose keys the caller
/// keeps (`keys[i]` is state i's key): open addressing with linear probing over state numbers,
/// kept at most half full, with a multiplicative hash (no per-lookup hasher setup).
struct WindowKeyTable {
    /// State number + 1 per slot; 0 is empty.
    private var slots = [Int32](repeating: 0, count: 1024)
    private var mask = 1023
    private var count = 0

    @inline(__always)
    static func hash(_ key: WindowKey) -> Int {
        var hash = UInt64(bitPattern: Int64(key.slot)) &* 0x9e37_79b9_7f4a_7c15 ^ UInt64(bitPattern: key.windowStart) &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 29
        return Int(truncatingIfNeeded: hash)
    }

    /// The state number of `key`, or `nil`.
    @inline(__always)
    func find(_ key: WindowKey, keys: [WindowKey]) -> Int32? {
        var slot = Self.hash(key) & mask
        while slots[slot] != 0 {
            let number = slots[slot] - 1
            if keys[Int(number)] == key { return number }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds state `number`, whose key is `keys[number]` (not yet in the table).
    @inline(__always)
    mutating func insert(_ number: Int32, keys: [WindowKey]) {
        count += 1
        if count * 2 > slots.count {
            slots = [Int32](repeating: 0, count: slots.count * 2)
            mask = slots.count - 1
            for existing in 0..<Int32(count - 1) { place(existing, keys[Int(existing)]) }
        }
        place(number, keys[Int(number)])
    }

    @inline(__always)
    private mutating func place(_ number: Int32, _ key: WindowKey) {
        var slot = Self.hash(key) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = number + 1
    }

    /// Forgets every state (keeping the capacity).
    mutating func removeAll() {
        guard count > 0 else { return }
        slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        count = 0
    }
}
