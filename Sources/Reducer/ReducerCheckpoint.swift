import Foundation
import Storage

/// The reducer's commit point, carried by every manifest edit (a small JSON document): the
/// snapshot of its open windows, how far each mapper's log was applied as of it, where its own
/// log's replay starts, and the numbers its seals and compactions name files by. The shard
/// files themselves are the manifest's list.
struct ReducerCheckpoint: Codable, Equatable {
    var sequence: UInt64 = 0
    var applied: [String: UInt64] = [:]
    var walStart: UInt64 = 0
    var snapshot: String?
    var compactions: UInt64 = 0

    init() {}

    init(state: [UInt8]) throws {
        self = state.isEmpty ? ReducerCheckpoint() : try JSONDecoder().decode(ReducerCheckpoint.self, from: Data(state))
    }

    var state: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a struct of strings and integers cannot fail.
        return Array(try! encoder.encode(self))
    }

    /// The edit that starts a manifest: empty, or (after an upgrade) the files and commit point
    /// of an older reducer's `checkpoint.json`, which listed every file in full.
    static func initialEdit(directory: String, shardDirectory: String, window: Int64) throws -> ManifestEdit {
        let path = directory + "/checkpoint.json"
        guard let data = FileManager.default.contents(atPath: path) else { return ManifestEdit(state: ReducerCheckpoint().state) }
        struct Legacy: Decodable {
            var sequence: UInt64
            var applied: [String: UInt64]
            var walStart: UInt64
            var snapshot: String?
            var shards: [String]
        }
        let legacy = try JSONDecoder().decode(Legacy.self, from: data)
        var checkpoint = ReducerCheckpoint()
        checkpoint.sequence = legacy.sequence
        checkpoint.applied = legacy.applied
        checkpoint.walStart = legacy.walStart
        checkpoint.snapshot = legacy.snapshot
        var files = [ManifestFile]()
        for name in legacy.shards {
            // p{partition}-d{day}-{sequence}.shard, as seals have always named them.
            let parts = name.dropLast(ShardDirectory.suffix.count).split(separator: "-")
            guard parts.count == 3, let partition = UInt32(parts[0].dropFirst()), let day = Int64(parts[1].dropFirst()) else { continue }
            let size = (try? FileManager.default.attributesOfItem(atPath: shardDirectory + "/" + name)[.size] as? Int) ?? 0
            files.append(ManifestFile(name: name, partition: partition, day: day, group: String(name.dropLast(ShardDirectory.suffix.count)),
                                      level: 0, resolution: window, bytes: UInt64(size), rows: 0))
        }
        return ManifestEdit(added: files, state: checkpoint.state)
    }
}
