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
        var firstFailure: String?
    }

    private let state = Mutex(Totals())
    private let progress: ProducerProgress

    init(progress: ProducerProgress) {
        self.progress = progress
    }

    func started() { state.withLock { $0.inFlight += 1 } }

    func inFlight() -> Int { state.withLock { $0.inFlight } }

    func finished(_ result: Result<[UInt8], RPCError>) {
        let failure: String?
        let decoded: IngestReply?
        switch result {
        case .success(let bytes):
            decoded = try? JSONWire.decode(IngestReply.self, from: bytes)
            failure = decoded == nil ? "an answer that is not an ingest reply" : decoded?.batchError
        case .failure(let error):
            decoded = nil
            failure = error.message
        }
        state.withLock { state in
            state.inFlight -= 1
            if let failure {
                progress.batchesFailedCount.add(1, ordering: .relaxed)
                state.failed += 1
                state.firstFailure = state.firstFailure ?? failure
            } else if let decoded {
                progress.samplesAcknowledgedCount.add(decoded.accepted, ordering: .relaxed)
                state.accepted += decoded.accepted
                state.rejected += decoded.rejected
            }
        }
    }

    func totals() -> (accepted: Int, rejected: Int, failed: Int, firstFailure: String?) {
        state.withLock { ($0.accepted, $0.rejected, $0.failed, $0.firstFailure) }
    }
}
