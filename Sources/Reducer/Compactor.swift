import Aggregation
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Model
import Storage

/// Runs one compaction unit off the loop: merges the unit's input files into one file per
/// resolution (written and fsynced under their final names, which no manifest lists yet), then
/// commits them with one manifest edit that adds the outputs and removes the inputs. A crash
/// before the edit leaves the inputs listed and the outputs unlisted (removed at start); after
/// it, the reverse. Writes are paced to `bytesPerSecond`.
struct Compactor: Sendable {
    let shardDirectory: String
    let manifest: Manifest
    let files: OpenFiles
    let sketchMapping: SketchMapping?
    let bytesPerSecond: Int
    /// A pause after each step (each output written, the edit committed), so that a fault
    /// test can stop the process at every step; 0 in production.
    let stepDelayMs: Int

    enum Outcome: Sendable {
        /// Committed: the outputs' files and readers, and the bytes read and written.
        case committed(added: [(file: ManifestFile, reader: ShardReader)], removed: [String], read: Int, written: Int)
        case failed(any Error)
    }

    /// The group name of compaction `number` of a partition's day.
    static func group(_ unit: CompactionUnit, number: UInt64) -> String { "p\(unit.partition)-d\(unit.day)-c\(number)" }

    func run(_ unit: CompactionUnit, number: UInt64, readers: [String: ShardReader]) -> Outcome {
        Self.yieldToQueries()
        let group = Self.group(unit, number: number)
        var written = [ManifestFile]()
        let pacer = Pacer(bytesPerSecond: bytesPerSecond)
        var read = 0
        do {
            for output in unit.outputs {
                let name = "\(group)-\(Step(nanoseconds: output.resolution)!).shard"
                let inputs = try output.inputs.map { input in
                    guard let reader = readers[input.name] else { throw CompactionError("input \(input.name) is no longer open") }
                    return reader
                }
                let done = pacer.bytes
                let result = try ShardMerge.merge(inputs, resolution: output.resolution, partition: unit.partition, sketchMapping: sketchMapping,
                                                  to: shardDirectory + "/" + name) { pacer.pace(done + $0) }
                pacer.pace(done + result.bytes)
                read += result.readBytes
                written.append(ManifestFile(name: name, partition: unit.partition, day: unit.day, group: group, level: unit.level,
                                            resolution: output.resolution, bytes: UInt64(result.bytes), rows: result.rows))
                pause()
            }
            try manifest.apply(ManifestEdit(added: written, removed: unit.removed, state: nil))
        } catch {
            for file in written { try? AtomicFile.remove(shardDirectory + "/" + file.name) }
            return .failed(error)
        }
        pause()
        var added = [(file: ManifestFile, reader: ShardReader)]()
        for file in written {
            do {
                added.append((file, try ShardReader(path: shardDirectory + "/" + file.name, files: files)))
            } catch {
                // Committed but unreadable now: the next start sets it aside as it would any file.
                return .failed(CompactionError("compacted file \(file.name) was committed but cannot be opened until restart: \(error)"))
            }
        }
        return .committed(added: added, removed: unit.removed, read: read, written: pacer.bytes)
    }

    /// Lowers the calling thread's scheduling priority (nice 10): on a busy machine the loop
    /// that answers queries and acknowledgements runs first, and compaction takes what is left.
    static func yieldToQueries() {
        // On Linux the nice value belongs to the thread, and 0 names the calling one.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
    }

    private func pause() {
        if stepDelayMs > 0 { Thread.sleep(forTimeInterval: Double(stepDelayMs) / 1000) }
    }
}

/// Why a compaction did not run to its end.
struct CompactionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Sleeps as needed to keep a writer at or under `bytesPerSecond`.
final class Pacer {
    let bytesPerSecond: Int
    let start = DispatchTime.now().uptimeNanoseconds
    private(set) var bytes = 0

    init(bytesPerSecond: Int) {
        self.bytesPerSecond = bytesPerSecond
    }

    func pace(_ total: Int) {
        bytes = max(bytes, total)
        guard bytesPerSecond > 0 else { return }
        let due = Double(bytes) / Double(bytesPerSecond)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if due > elapsed { Thread.sleep(forTimeInterval: due - elapsed) }
    }
}

/// Where a thread leaves its outcome for the loop, which it wakes.
final class Mailbox<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    func post(_ outcome: Value) {
        value.withLock { $0 = outcome }
    }

    /// The outcome, once the job finished.
    func take() -> Value? {
        value.withLock { $0 }
    }
}
