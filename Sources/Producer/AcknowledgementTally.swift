import ClusterClient
import ClusterCore
import Synchronization
import Transport

/// Counts acknowledged batches as their answers arrive on the client's thread.
final class AcknowledgementTally: Sendable {
    private struct Totals {
        var inFlight = 0
        var accepted = 0
        var rejected = 0
        var failed = 0
    }

    private let state = Mutex(Totals())

    func started() { state.withLock { $0.inFlight += 1 } }

    func inFlight() -> Int { state.withLock { $0.inFlight } }

    func finished(_ result: Result<[UInt8], RPCError>) {
        let reply = try? result.get()
        let decoded = reply.flatMap { try? JSONWire.decode(IngestReply.self, from: $0) }
        state.withLock { state in
            state.inFlight -= 1
            if let decoded, decoded.batchError == nil {
                state.accepted += decoded.accepted
                state.rejected += decoded.rejected
            } else {
                state.failed += 1
            }
        }
    }

    func totals() -> (accepted: Int, rejected: Int, failed: Int) {
        state.withLock { ($0.accepted, $0.rejected, $0.failed) }
    }
}
