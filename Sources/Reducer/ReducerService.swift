import ClusterClient
import ClusterCore
import Foundation
import Logging
import Prometheus
import Runtime
import Synchronization
import Transport

/// A reducer: merges partial aggregates from every mapper, keeps unsealed windows queryable,
/// seals windows into shard files once the watermark has passed them, and answers queries for
/// its partitions from shards plus memory. A write-ahead log makes every acknowledged partial
/// survive a crash; per-mapper log positions make replays idempotent.
public final class ReducerService: Sendable {
    public let configuration: ReducerConfiguration
    let logger: Logger
    let metrics: ReducerMetrics
    let context: TransportContext
    let client: RPCClient
    let link: CoordinatorLink
    let waker = Waker()
    let readyFlag = Atomic<Bool>(false)
    let boundEndpoints = Mutex<[String: String]>([:])
    let watermark = Mutex<Int64?>(nil)

    public init(configuration: ReducerConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        metrics = ReducerMetrics(registry: registry)
        context = TransportContext()
        client = RPCClient(context: context, name: "reducer-rpc", secret: configuration.clusterSecret)
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        link = CoordinatorLink(client: client, endpoint: configuration.coordinatorEndpoint,
                               cachePath: configuration.dataDirectory + "/cluster-map.json", logger: logger)
    }

    /// Whether the reducer has recovered and answers.
    public var isReady: Bool { readyFlag.load(ordering: .acquiring) }

    /// The endpoints actually bound, once running.
    public var endpoints: [String: String] { boundEndpoints.withLock { $0 } }

    public func loop() -> LoopThread {
        LoopThread(name: "reducer", onStop: { [waker] in waker.wake() }) { [self] stop in
            do {
                try ReducerLoop(service: self, stop: stop).run()
            } catch {
                logger.critical("reducer stopped: \(error)")
            }
            client.shutdown()
        }
    }
}
