import Foundation
import Storage

/// The reducer's commit point, rewritten atomically after each seal: which shard files are
/// part of its data, the snapshot of its open windows, how far each mapper's log was applied
/// as of them, and where its own log's replay starts.
struct ReducerCheckpoint: Codable, Equatable {
    var sequence: UInt64 = 0
    var applied: [String: UInt64] = [:]
    var walStart: UInt64 = 0
    var snapshot: String?
    var shards: [String] = []

    static func load(from path: String) throws -> ReducerCheckpoint {
        guard let data = FileManager.default.contents(atPath: path) else { return ReducerCheckpoint() }
        return try JSONDecoder().decode(ReducerCheckpoint.self, from: data)
    }

    func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(self)), to: path)
    }
}
