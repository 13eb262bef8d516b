/// Runs `body` `repetitions` times and returns the best wall time in seconds (the run least
/// disturbed by other work on the machine).
func bestSeconds(repetitions: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<repetitions {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        best = min(best, seconds)
    }
    return best
}

/// `12.3 M` style formatting for rates.
func rate(_ count: Double, per seconds: Double) -> String {
    let value = count / seconds
    if value >= 1e9 { return String(format: "%.2f G", value / 1e9) }
    if value >= 1e6 { return String(format: "%.2f M", value / 1e6) }
    if value >= 1e3 { return String(format: "%.1f k", value / 1e3) }
    return String(format: "%.1f ", value)
}

/// Keeps a value alive so the optimiser cannot drop the work that produced it.
@inline(never)
func consume<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

import Foundation

/// A fast seedable generator (SplitMix64): the system generator costs a system call a number.
struct FastRandom: RandomNumberGenerator {
    var state: UInt64 = 0x1234_5678_9ABC_DEF0

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
