import ClusterClient
import Foundation
import Storage
import Synchronization
import Transport

/// Fetches the shard files of the partitions a handover gives this reducer, off the loop: per
/// partition the source's listing, then every file in pieces, written beside the shard files
/// under a name of this handover, synced and verified. Nothing of it counts until the loop
/// commits the files in one manifest edit (a restart removes files the manifest does not list).
struct HandoverImporter: Sendable {
    /// One partition's files, fetched, and the source's applied positions.
    struct Fetched: Sendable {
        var partition: Int
        var source: String
        var files: [ManifestFile]
        var applied: [String: UInt64]
    }

    enum Outcome: Sendable {
        case fetched([Fetched])
        /// Not now (the source is still sealing, or did not answer): tried again soon.
        case retry(String)
    }

    let client: RPCClient
    let shardDirectory: String
    let handover: UInt64
    /// Files the manifest lists already (an import committed before a restart).
    let present: Set<String>

    /// The prefix of every file this handover brings here.
    static func prefix(handover: UInt64) -> String { "h\(handover)-" }

    /// The name a file of `source` takes here (several sources may give one partition: the
    /// pieces of a split being undone).
    static func localName(_ name: String, handover: UInt64, source: String) -> String { prefix(handover: handover) + source + "-" + name }

    func run(_ sources: [(partition: Int, source: String, endpoint: String)]) -> Outcome {
        var result = [Fetched]()
        for (partition, source, endpoint) in sources {
            let listing: ExportListing
            switch call(ExportRequest(handover: handover, partition: partition), endpoint) {
            case .success(let answer): listing = answer
            case .failure(let error): return .retry("partition \(partition): \(error)")
            }
            var files = [ManifestFile]()
            for file in listing.files {
                let name = Self.localName(file.name, handover: handover, source: source)
                files.append(ManifestFile(name: name, partition: UInt32(partition), day: file.day,
                                          group: Self.localName(file.group, handover: handover, source: source),
                                          level: file.level, resolution: file.resolution, bytes: file.bytes, rows: file.rows))
                guard !present.contains(name) else { continue }
                do {
                    try fetch(file, from: endpoint, to: shardDirectory + "/" + name)
                } catch {
                    return .retry("partition \(partition), file \(file.name): \(error)")
                }
            }
            result.append(Fetched(partition: partition, source: source, files: files, applied: listing.applied))
        }
        return .fetched(result)
    }

    private func fetch(_ file: ExportListing.File, from endpoint: String, to path: String) throws {
        let sink = try FileCopy.Sink(path: path)
        while sink.written < Int(file.bytes) {
            let piece = try call(FetchRequest(handover: handover, name: file.name, offset: UInt64(sink.written), length: FetchRequest.lengthMax),
                                 endpoint).get()
            guard !piece.isEmpty else { throw ImportError("the source's copy ends at \(sink.written) of \(file.bytes) bytes") }
            try sink.append(piece)
        }
        try sink.finish()
        // Every block's checksum, before anything of it can count.
        _ = try ShardReader(path: path).verify()
    }

    private func call<Call: InternalCall>(_ call: Call, _ endpoint: String) -> Result<Call.Reply, RPCError> {
        let done = DispatchSemaphore(value: 0)
        let answer = Mutex<Result<Call.Reply, RPCError>?>(nil)
        client.send(call, to: endpoint, timeout: .seconds(10)) { result in
            answer.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return answer.withLock { $0! }
    }
}

/// A file that did not arrive whole.
struct ImportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
