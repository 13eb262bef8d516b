import Aggregation
import ClusterCore
import Foundation
import Model
import Storage
import Synchronization
import Wire

/// Writes one seal off the reducer's loop: the sealed windows as shard files (per partition
/// and day), the open windows of the job as the snapshot, then the checkpoint that
/// commits both. Until the checkpoint is saved nothing of it counts, and a failure removes
/// what it wrote; the loop goes on taking partials and answering queries meanwhile.
struct SealWriter: Sendable {
    let shardDirectory: String
    let directory: String
    let checkpointPath: String
    let files: OpenFiles
    let windowNanoseconds: Int64
    let sketchMapping: SketchMapping?

    /// What a finished seal hands back to the loop.
    enum Outcome: Sendable {
        /// Committed: the new checkpoint and the readers of the files it names.
        case committed(ReducerCheckpoint, [(name: String, reader: ShardReader)], bytes: Int, failedOpens: [String])
        /// Nothing was committed (and what the attempt wrote is removed).
        case failed(any Error)
    }

    /// Writes `job` and commits it as `next` (whose applied positions and log start the loop
    /// set when it took the job).
    func write(_ job: SealJob, next: ReducerCheckpoint) -> Outcome {
        var next = next
        do {
            let writer = ShardWriter()
            var written: [(String, String)] = []
            var bytes = 0
            for (partition, rows) in job.sealed.sorted(by: { $0.key < $1.key }) {
                for (day, dayRows) in Dictionary(grouping: rows.rows, by: { $0.windowStart.floorDivided(by: 86_400_000_000_000) }) {
                    let name = "p\(partition)-d\(day)-\(next.sequence).shard"
                    let path = shardDirectory + "/" + name
                    let metadata = ShardMetadata(partition: UInt32(partition), windowNanoseconds: windowNanoseconds, sketchMapping: sketchMapping)
                    bytes += try writer.write(metadata: metadata, series: rows.series, rows: dayRows, to: path)
                    written.append((name, path))
                }
            }
            let open = job.open
            let snapshot = "snapshot-\(next.sequence).shard"
            try writer.write(metadata: ShardMetadata(partition: .max, windowNanoseconds: windowNanoseconds, sketchMapping: sketchMapping),
                             series: open.series, rows: open.rows, to: directory + "/" + snapshot)
            next.snapshot = snapshot
            next.shards += written.map(\.0)
            try next.save(to: checkpointPath)
            var readers: [(name: String, reader: ShardReader)] = []
            var failedOpens: [String] = []
            for (name, path) in written {
                do {
                    readers.append((name, try ShardReader(path: path, files: files)))
                } catch {
                    failedOpens.append("sealed shard \(name) cannot be opened until restart: \(error)")
                }
            }
            return .committed(next, readers, bytes: bytes, failedOpens: failedOpens)
        } catch {
            // The names are reused by the next attempt: remove what this one wrote.
            for name in (try? AtomicFile.list(shardDirectory)) ?? [] where name.hasSuffix("-\(next.sequence).shard") {
                try? AtomicFile.remove(shardDirectory + "/" + name)
            }
            try? AtomicFile.remove(directory + "/snapshot-\(next.sequence).shard")
            return .failed(error)
        }
    }
}

/// Where the sealing thread leaves its outcome for the loop, which it wakes.
final class SealMailbox: Sendable {
    private let outcome = Mutex<SealWriter.Outcome?>(nil)

    func post(_ value: SealWriter.Outcome) {
        outcome.withLock { $0 = value }
    }

    /// The outcome, once the seal finished.
    func take() -> SealWriter.Outcome? {
        outcome.withLock { $0 }
    }
}
