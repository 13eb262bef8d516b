#if canImport(Glibc)
import Glibc
#endif

/// Wakes a thread blocked in `Poller.poll` from any other thread: a non-blocking pipe whose
/// read end the loop polls. `wake()` may be called any number of times; `drain()` clears it.
///
/// `@unchecked Sendable`: the two descriptors are immutable; `write` and `read` on a pipe are
/// safe from several threads.
public final class Waker: @unchecked Sendable {
    /// The descriptor to poll for `.readable`.
    public let descriptor: Int32
    private let writeEnd: Int32

    public init() {
        var ends: [Int32] = [0, 0]
        precondition(pipe(&ends) == 0, "pipe failed: errno \(errno)")
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL, 0) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        descriptor = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(descriptor)
        close(writeEnd)
    }

    /// Makes the next (or current) poll return.
    public func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Consumes pending wake-ups.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(descriptor, &buffer, buffer.count) > 0 {}
    }
}
