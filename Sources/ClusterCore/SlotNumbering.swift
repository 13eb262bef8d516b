/// Numbers series slots within one table being built (a batch's, a seal partition's): in each
/// round, a slot seen for the first time takes the number it is offered, later sightings get the
/// same one back. Per-slot arrays with a round stamp, so starting a round costs nothing per slot.
struct SlotNumbering {
    private var numberOfSlot: [UInt32] = []
    private var stampOfSlot: [UInt32] = []
    private var stamp: UInt32 = 0

    /// Starts a round over slots `0..<slotCount`.
    mutating func begin(slotCount: Int) {
        if numberOfSlot.count < slotCount {
            numberOfSlot += [UInt32](repeating: 0, count: slotCount - numberOfSlot.count)
            stampOfSlot += [UInt32](repeating: 0, count: slotCount - stampOfSlot.count)
        }
        stamp &+= 1
        if stamp == 0 {
            for slot in stampOfSlot.indices { stampOfSlot[slot] = 0 }
            stamp = 1
        }
    }

    /// The slot's number in this round: `offered` (and `isNew`) the first time it is seen.
    @inline(__always)
    mutating func number(of slot: Int, offered: UInt32) -> (number: UInt32, isNew: Bool) {
        if stampOfSlot[slot] == stamp { return (numberOfSlot[slot], false) }
        stampOfSlot[slot] = stamp
        numberOfSlot[slot] = offered
        return (offered, true)
    }
}
