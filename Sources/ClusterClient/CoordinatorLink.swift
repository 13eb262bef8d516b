import ClusterCore
import Foundation
import Logging
import Synchronization
import Transport

/// A node's line to the coordinator: sends heartbeats and keeps the latest map and watermark.
/// The map is also cached in a file so that a restart works while the coordinator is down.
public final class CoordinatorLink: Sendable {
    public let endpoint: String
    private let client: RPCClient
    private let cachePath: String?
    private let logger: Logger
    private let latest: Mutex<HeartbeatReply?>
    private let failures = Mutex(0)

    public init(client: RPCClient, endpoint: String, cachePath: String?, logger: Logger) {
        self.client = client
        self.endpoint = endpoint
        self.cachePath = cachePath
        self.logger = logger
        let cached = cachePath.flatMap { FileManager.default.contents(atPath: $0) }.flatMap {
            try? JSONWire.decode(HeartbeatReply.self, from: Array($0))
        }
        latest = Mutex(cached)
    }

    /// The last reply (or the cached one), if any.
    public var reply: HeartbeatReply? { latest.withLock { $0 } }

    /// Sends one heartbeat; `onReply` runs (on the client's thread) when it is answered.
    public func beat(_ report: NodeReport, onReply: @escaping @Sendable (HeartbeatReply) -> Void = { _ in }) {
        client.send(report, to: endpoint, timeout: .seconds(2)) { [self] result in
            switch result {
            case .success(let reply):
                let previous = latest.withLock { state -> HeartbeatReply? in
                    defer { state = reply }
                    return state
                }
                let wasDown = failures.withLock { count -> Bool in
                    defer { count = 0 }
                    return count > 0
                }
                if wasDown { logger.info("coordinator \(endpoint) answers again") }
                if previous?.map != reply.map, let cachePath {
                    try? Data(JSONWire.encode(reply)).write(to: URL(fileURLWithPath: cachePath), options: .atomic)
                }
                onReply(reply)
            case .failure(let error):
                let count = failures.withLock { count -> Int in
                    count += 1
                    return count
                }
                if count == 3 { logger.warning("coordinator \(endpoint) does not answer (\(error)); working on the last known map") }
            }
        }
    }
}
