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
