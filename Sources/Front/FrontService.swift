import ClusterClient
import ClusterCore
import Foundation
import Logging
import Model
import Prometheus
import Runtime
import ServiceLifecycle
import Synchronization
import Transport
import Wire
import ZeroMQ

/// The front node's link to the cluster: keeps the cluster view fresh, forwards ingest to
/// mappers and queries to the reducers that own them. Stateless: scale it out freely.
public final class FrontService: Service, Sendable {
    public let configuration: FrontConfiguration
    let logger: Logger
    let context = Context(ioThreads: 1)
    let client: RPCClient
    let link: CoordinatorLink
    let view = Mutex<ClusterView?>(nil)
    let nextMapper = Atomic<Int>(0)
    let metrics: FrontMetrics

    public init(configuration: FrontConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        client = RPCClient(context: context, name: "front-rpc")
        link = CoordinatorLink(client: client, endpoint: configuration.coordinatorEndpoint, cachePath: nil, logger: logger)
        metrics = FrontMetrics(registry: registry)
    }

    /// Refreshes the cluster view every second until shutdown.
    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                await refresh()
                try? await Task.sleep(for: .seconds(1))
            }
        } onGracefulShutdown: {}
        client.shutdown()
    }

    func refresh() async {
        link.beat(NodeReport(id: configuration.id, role: .front, endpoints: ["http": "http://\(configuration.host):\(configuration.httpPort)"]))
        if let bytes = try? await client.call(configuration.coordinatorEndpoint, "cluster", body: [], timeout: .seconds(2)),
           let fresh = try? JSONWire.decode(ClusterView.self, from: bytes) {
            view.withLock { $0 = fresh }
        }
    }

    /// The latest cluster view, fetching one if none is known yet.
    public func clusterView() async -> ClusterView? {
        if let known = view.withLock({ $0 }) { return known }
        await refresh()
        return view.withLock { $0 }
    }

    /// Ready: the coordinator is known and every partition has a live owner.
    public var isReady: Bool {
        guard let view = view.withLock({ $0 }), view.map.isComplete else { return false }
        let live = Set(view.live(.reducer).map(\.id))
        return view.map.reducers.allSatisfy { live.contains($0!.id) } && !view.live(.mapper).isEmpty
    }

    /// Sends a batch to a live mapper's acknowledged endpoint and returns its answer; tries
    /// the other mappers if one fails.
    public func ingest(_ batch: SampleBatch) async throws(FrontError) -> IngestReply {
        guard let view = await clusterView() else { throw FrontError.unavailable("the coordinator has not answered yet") }
        let mappers = view.live(.mapper).compactMap { $0.endpoints["acked"] }
        guard !mappers.isEmpty else { throw FrontError.unavailable("no mapper is alive") }
        let frame = batch.encode()
        let first = nextMapper.wrappingAdd(1, ordering: .relaxed).oldValue
        var lastError = "no mapper answered"
        for attempt in 0..<mappers.count {
            let endpoint = mappers[(first + attempt) % mappers.count]
            do {
                let bytes = try await client.call(endpoint, "samples", body: frame, credential: configuration.mapperToken, timeout: .milliseconds(configuration.callTimeoutMs))
                return try JSONWire.decode(IngestReply.self, from: bytes)
            } catch {
                lastError = "mapper at \(endpoint): \(error)"
                logger.warning("ingest through \(endpoint) failed: \(error)")
            }
        }
        throw FrontError.unavailable(lastError)
    }

    /// Asks the reducer owning `spec.name` for the stats of its buckets.
    public func query(_ spec: QuerySpec) async throws(FrontError) -> QueryAnswer {
        guard let view = await clusterView() else { throw FrontError.unavailable("the coordinator has not answered yet") }
        let ordinal = view.map.reducerOrdinal(ofPartition: view.map.partition(of: spec.name))
        guard let reducer = view.map.reducers[ordinal] else { throw FrontError.unavailable("reducer \(ordinal) has not registered") }
        do {
            let bytes = try await client.call(reducer.query, "query", body: JSONWire.encode(spec), timeout: .milliseconds(configuration.callTimeoutMs))
            return try QueryAnswer.decode(bytes, statCount: spec.stats.count)
        } catch {
            throw FrontError.unavailable("reducer \(reducer.id) at \(reducer.query): \(error)")
        }
    }

    /// Known metric names from every reducer.
    public func names(prefix: String) async throws(FrontError) -> [String] {
        guard let view = await clusterView() else { throw FrontError.unavailable("the coordinator has not answered yet") }
        var names = Set<String>()
        for reducer in view.map.reducers.compactMap({ $0 }) {
            do {
                let bytes = try await client.call(reducer.query, "names", body: JSONWire.encode(NamesRequest(prefix: prefix)), timeout: .seconds(5))
                names.formUnion(try JSONWire.decode([String].self, from: bytes))
            } catch {
                throw FrontError.unavailable("reducer \(reducer.id): \(error)")
            }
        }
        return names.sorted()
    }
}

/// A request the front could not serve; carries its HTTP status.
public struct FrontError: Error, CustomStringConvertible {
    public let status: Int
    public let description: String

    static func unavailable(_ message: String) -> FrontError { FrontError(status: 503, description: message) }
    static func badRequest(_ message: String) -> FrontError { FrontError(status: 400, description: message) }
}
