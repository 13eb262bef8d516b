/// Numbers byte strings in the order they are first seen, found again without allocating:
/// each new key is copied once into one storage array; lookups hash the bytes in place.
/// Open addressing with linear probing, kept at most half full.
struct ByteKeyTable {
    private var storage: [UInt8] = []
    private var keys: [(hash: UInt64, start: Int, count: Int)] = []
    /// Key number + 1 per slot; 0 is empty.
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Keys seen so far.
    var count: Int { keys.count }

    /// Calls `body` with the bytes of key `number`.
    func withKey<Result>(_ number: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let key = keys[number]
        return storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[key.start..<key.start + key.count])) }
    }

    /// The number of the key `bytes[start..<end]`, and whether it was new (and added).
    @inline(__always)
    mutating func number(of bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (number: Int, isNew: Bool) {
        let hash = Self.hash(bytes, start, end)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let number = Int(slots[slot]) - 1
            let key = keys[number]
            if key.hash == hash, key.count == end - start,
               storage.withUnsafeBufferPointer({ Self.equal($0, key.start, bytes, start, key.count) }) {
                return (number, false)
            }
            slot = (slot + 1) & mask
        }
        let number = keys.count
        keys.append((hash, storage.count, end - start))
        storage.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
        slots[slot] = Int32(number + 1)
        if keys.count * 2 > slots.count { grow() }
        return (number, true)
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for (number, key) in keys.enumerated() {
            var slot = Int(truncatingIfNeeded: key.hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(number + 1)
        }
    }

    /// Whether `count` bytes at `a[aStart...]` and `b[bStart...]` are the same.
    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ aStart: Int, _ b: UnsafeBufferPointer<UInt8>, _ bStart: Int, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        // Keys are short: words compared inline beat a call to memcmp.
        let left = UnsafeRawPointer(a.baseAddress! + aStart)
        let right = UnsafeRawPointer(b.baseAddress! + bStart)
        var offset = 0
        while offset + 8 <= count {
            if left.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != right.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset += 8
        }
        while offset < count {
            if left.load(fromByteOffset: offset, as: UInt8.self) != right.load(fromByteOffset: offset, as: UInt8.self) { return false }
            offset += 1
        }
        return true
    }

    /// A hash of the bytes taken eight at a time (each word multiplied in and folded), with a
    /// final mix so that the low bits (the slot) depend on all of them.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        let base = UnsafeRawPointer(bytes.baseAddress!)
        var hash: UInt64 = 0x9e37_79b9_7f4a_7c15 ^ UInt64(end - start)
        var index = start
        while index + 8 <= end {
            hash = (hash ^ base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xbf58_476d_1ce4_e5b9
            hash ^= hash >> 31
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < end {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        hash = (hash ^ tail) &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 29
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        return hash ^ (hash >> 32)
    }
}
