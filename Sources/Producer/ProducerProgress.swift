import Synchronization

/// What a run has done so far, written by the sending thread and the acknowledgement
/// callbacks, read by another thread while the run goes on (`windrow produce`'s line per second).
public final class ProducerProgress: Sendable {
    let samplesSentCount = Atomic<Int>(0)
    let samplesAcknowledgedCount = Atomic<Int>(0)
    let batchesFailedCount = Atomic<Int>(0)
    /// Monotonic nanoseconds since which the sender has been waiting for a peer to take a
    /// batch (0: it is not waiting).
    let waitingSinceNanoseconds = Atomic<Int64>(0)

    public init() {}

    public var samplesSent: Int { samplesSentCount.load(ordering: .relaxed) }
    public var samplesAcknowledged: Int { samplesAcknowledgedCount.load(ordering: .relaxed) }
    public var batchesFailed: Int { batchesFailedCount.load(ordering: .relaxed) }

    /// How long the sender has been waiting for any peer to take a batch, in seconds (0 when
    /// it is not waiting), as of `nowNanoseconds` on the monotonic clock.
    public func waitingSeconds(nowNanoseconds: Int64) -> Double {
        let since = waitingSinceNanoseconds.load(ordering: .relaxed)
        return since == 0 ? 0 : Double(nowNanoseconds - since) / 1e9
    }
}
