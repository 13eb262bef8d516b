import ClusterClient
import ClusterCore
import Foundation
import Logging
import Prometheus
import Runtime
import Storage
import Synchronization
import Transport
import Wire

/// A mapper: receives sample batches (fire-and-forget PULL and acknowledged ROUTER), logs them
/// durably, pre-aggregates them per (series, base window), and flushes partial aggregates to the
/// reducer owning each partition. Exactly-once rests on log positions: every partial batch names
/// the range of this mapper's log it covers, and reducers remember how far they applied it.
public final class MapperService: Sendable {
    public let configuration: MapperConfiguration
    let logger: Logger
    let metrics: MapperMetrics
    let context: TransportContext
    let client: RPCClient
    let link: CoordinatorLink
    let waker = Waker()
    let mailbox = Mutex<[MapperEvent]>([])
    let readyFlag = Atomic<Bool>(false)
    let boundEndpoints = Mutex<[String: String]>([:])

    public init(configuration: MapperConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.metrics = MapperMetrics(registry: registry)
        context = TransportContext()
        client = RPCClient(context: context, name: "mapper-rpc", secret: configuration.clusterSecret)
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        link = CoordinatorLink(client: client, endpoint: configuration.coordinatorEndpoint,
                               cachePath: configuration.dataDirectory + "/cluster-map.json", logger: logger)
    }

    /// Sets the gauges read at scrape time.
    public func refreshMetrics() {
        metrics.callsInFlight.set(Double(client.callsInFlight))
    }

    /// Whether the mapper has recovered and takes batches.
    public var isReady: Bool { readyFlag.load(ordering: .acquiring) }

    /// The endpoints actually bound (after `*` or port 0 were resolved), once running.
    public var endpoints: [String: String] { boundEndpoints.withLock { $0 } }

    /// The service that runs the mapper's loop until shutdown.
    public func loop() -> LoopThread {
        LoopThread(name: "mapper", onStop: { [waker] in waker.wake() }) { [self] stop in
            do {
                try MapperLoop(service: self, stop: stop).run()
            } catch {
                logger.critical("mapper stopped: \(error)")
            }
            client.shutdown()
        }
    }

    func post(_ event: MapperEvent) {
        mailbox.withLock { $0.append(event) }
        waker.wake()
    }

    func takeEvents() -> [MapperEvent] {
        mailbox.withLock { events in
            defer { events.removeAll() }
            return events
        }
    }
}

/// What the RPC thread hands to the mapper's loop. Answers from reducers carry the map epoch
/// they were asked in: once ownership changed, an ordinal may name another reducer.
enum MapperEvent: Sendable {
    case acknowledged(reducer: Int, epoch: UInt64, applied: UInt64)
    case partialFailed(reducer: Int, epoch: UInt64, end: UInt64, error: String)
    case applied(reducer: Int, epoch: UInt64, position: UInt64)
    case heartbeat(HeartbeatReply)
}
