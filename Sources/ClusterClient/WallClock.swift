#if canImport(Glibc)
import Glibc
#endif
import Model

/// The system's real-time clock: used at the edges (arrival stamps, watermarks), never in
/// `ClusterCore`, which takes time as an argument.
public enum WallClock {
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }
}

/// The clocks a role's loop reads, injected so that a test can drive time: the wall clock
/// (arrival stamps, watermarks, retry windows) and a monotonic one (timeouts, intervals).
public protocol RoleClock: Sendable {
    /// Nanoseconds since the epoch (UTC).
    var wallNanoseconds: Int64 { get }
    /// Nanoseconds on a clock that never goes back.
    var monotonicNanoseconds: Int64 { get }
}

/// The system's clocks.
public struct SystemRoleClock: RoleClock {
    public init() {}

    public var wallNanoseconds: Int64 { WallClock.now().nanoseconds }

    public var monotonicNanoseconds: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
