import Aggregation
import ClusterCore
import Foundation
import Model
import Storage
import Synchronization
import Wire

/// Writes one seal off the reducer's loop: the sealed windows as shard files (per partition
/// and day), the open windows of the job as the snapshot, then the manifest edit that lists
/// the files and carries the checkpoint. Until the edit is applied nothing of it counts, and a
/// failure removes what it wrote; the loop goes on taking partials and answering queries.
struct SealWriter: Sendable {
    let shardDirectory: String
    let directory: String
    let manifest: Manifest
    let files: OpenFiles
    let windowNanoseconds: Int64
    let sketchMapping: SketchMapping?

    /// What a finished seal hands back to the loop.
    enum Outcome: Sendable {
        /// Committed: the new checkpoint and the readers of the files it names.
        case committed(ReducerCheckpoint, [(file: ManifestFile, reader: ShardReader)], bytes: Int, failedOpens: [String])
        /// Nothing was committed (and what the attempt wrote is removed).
        case failed(any Error)
    }

    /// A seal's file that spans this much time (a backfill's) gets its hour and day rollups at
    /// once, so that coarse queries read few rows before compaction has run; a live seal's file
    /// (a minute or so) does not.
    static let rollupSpanNanoseconds: Int64 = 2 * ShardGroups.hourNanoseconds

    /// Writes the coarser resolutions of a sealed file beside it, in its group; returns the bytes.
    func writeRollups(of base: ManifestFile, into written: inout [ManifestFile]) throws -> Int {
        let reader = try ShardReader(path: shardDirectory + "/" + base.name)
        guard reader.windowStartMax - reader.windowStartMin >= Self.rollupSpanNanoseconds else { return 0 }
        var bytes = 0
        for resolution in ShardGroups.resolutions(window: windowNanoseconds).dropFirst() {
            let name = "\(base.group)-\(Step(nanoseconds: resolution)!).shard"
            written.append(ManifestFile(name: name, partition: base.partition, day: base.day, group: base.group, level: 0,
                                        resolution: resolution, bytes: 0, rows: 0))
            let result = try ShardMerge.merge([reader], resolution: resolution, partition: base.partition, sketchMapping: sketchMapping,
                                              to: shardDirectory + "/" + name)
            written[written.count - 1].bytes = UInt64(result.bytes)
            written[written.count - 1].rows = result.rows
            bytes += result.bytes
        }
        return bytes
    }

    /// Writes `job` and commits it as `next` (whose applied positions and log start the loop
    /// set when it took the job).
    func write(_ job: SealJob, next: ReducerCheckpoint) -> Outcome {
        var next = next
        var written: [ManifestFile] = []
        do {
            let writer = ShardWriter()
            var bytes = 0
            for (partition, rows) in job.sealed.sorted(by: { $0.key < $1.key }) {
                for (day, dayRows) in Dictionary(grouping: rows.rows, by: { ShardGroups.day(of: $0.windowStart) }) {
                    let group = "p\(partition)-d\(day)-\(next.sequence)"
                    let metadata = ShardMetadata(partition: UInt32(partition), windowNanoseconds: windowNanoseconds, sketchMapping: sketchMapping)
                    let size = try writer.write(metadata: metadata, series: rows.series, rows: dayRows, to: shardDirectory + "/" + group + ".shard")
                    bytes += size
                    written.append(ManifestFile(name: group + ".shard", partition: UInt32(partition), day: day, group: group, level: 0,
                                                resolution: windowNanoseconds, bytes: UInt64(size), rows: UInt64(dayRows.count)))
                    bytes += try writeRollups(of: written[written.count - 1], into: &written)
                }
            }
            let open = job.open
            let snapshot = "snapshot-\(next.sequence).shard"
            try writer.write(metadata: ShardMetadata(partition: .max, windowNanoseconds: windowNanoseconds, sketchMapping: sketchMapping),
                             series: open.series, rows: open.rows, to: directory + "/" + snapshot)
            next.snapshot = snapshot
            try manifest.apply(ManifestEdit(added: written, state: next.state))
            var readers: [(file: ManifestFile, reader: ShardReader)] = []
            var failedOpens: [String] = []
            for file in written {
                do {
                    readers.append((file, try ShardReader(path: shardDirectory + "/" + file.name, files: files)))
                } catch {
                    failedOpens.append("sealed shard \(file.name) cannot be opened until restart: \(error)")
                }
            }
            return .committed(next, readers, bytes: bytes, failedOpens: failedOpens)
        } catch {
            // The names are reused by the next attempt: remove what this one wrote.
            for file in written { try? AtomicFile.remove(shardDirectory + "/" + file.name) }
            try? AtomicFile.remove(directory + "/snapshot-\(next.sequence).shard")
            return .failed(error)
        }
    }
}
