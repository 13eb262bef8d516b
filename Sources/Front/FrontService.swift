import ClusterClient
import ClusterCore
import Ingest
import Foundation
import Logging
import Model
import Prometheus
import Runtime
import ServiceLifecycle
import Synchronization
import Transport
import Wire

/// The front node's link to the cluster: keeps the cluster view fresh, forwards ingest to
/// mappers and queries to the reducers that own them. Stateless: scale it out freely.
public final class FrontService: Service, Sendable {
    public let configuration: FrontConfiguration
    let logger: Logger
    let context = TransportContext()
    let client: RPCClient
    let link: CoordinatorLink
    let view = Mutex<ClusterView?>(nil)
    let nextMapper = Atomic<Int>(0)
    let metrics: FrontMetrics

    public init(configuration: FrontConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        client = RPCClient(context: context, name: "front-rpc", secret: configuration.clusterSecret)
        link = CoordinatorLink(client: client, endpoint: configuration.coordinatorEndpoint, cachePath: nil, logger: logger)
        metrics = FrontMetrics(registry: registry)
    }

    /// Refreshes the cluster view every second until shutdown.
    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                await refresh()
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        } onGracefulShutdown: {}
        client.shutdown()
    }

    func refresh() async {
        link.beat(NodeReport(id: configuration.id, role: .front, endpoints: ["http": "http://\(configuration.host):\(configuration.httpPort)"]))
        if let fresh = try? await client.call(ClusterRequest(), at: configuration.coordinatorEndpoint, timeout: .seconds(2)) {
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

    /// Sends a batch, named by `idempotencyKey` (the client's `Idempotency-Key`, or one made
    /// here), to the mapper that owns the key, and returns its answer.
    ///
    /// A key always goes to the same mapper (rendezvous hashing over the registered mappers'
    /// ids), and that mapper remembers the keys it logged, so a retry with the same key is
    /// answered with the first acknowledgement, never counted twice. When the mapper does not
    /// answer, the outcome is unknown: this answers `503` with the key to retry with, and never
    /// sends the batch to another mapper (which could count it a second time).
    public func ingest(_ batch: SampleBatch, idempotencyKey: String?) async throws(FrontError) -> IngestReply {
        try await ingest(idempotencyKey: idempotencyKey) { key in
            var keyed = batch
            keyed.producerKey = key
            return SamplesCall(frame: keyed.encode())
        }
    }

    /// Sends the call `make` builds for the producer key of `idempotencyKey` (samples or lines)
    /// to the mapper that owns the key, as `ingest(_:idempotencyKey:)` does.
    public func ingest<Call: InternalCall>(idempotencyKey: String?, make: (ProducerKey) -> Call) async throws(FrontError) -> IngestReply
        where Call.Reply == IngestReply {
        guard let view = await clusterView() else { throw FrontError.unavailable("the coordinator has not answered yet") }
        let mappers = view.nodes.filter { $0.report.role == .mapper && $0.report.endpoints["acked"] != nil }
        let live = mappers.filter(\.alive)
        guard !live.isEmpty else { throw FrontError.unavailable("no mapper is alive") }
        let ids = mappers.map(\.report.id)
        var key = idempotencyKey ?? ""
        if idempotencyKey == nil {
            // A fresh key, drawn until its owner is a live mapper (a retry with it then goes there too).
            let liveIDs = Set(live.map(\.report.id))
            repeat { key = Self.freshKey() } while !liveIDs.contains(KeyOwnership.owner(of: key, among: ids))
        }
        let ownerID = KeyOwnership.owner(of: key, among: ids)
        guard let owner = mappers.first(where: { $0.report.id == ownerID }), owner.alive, let endpoint = owner.report.endpoints["acked"] else {
            throw FrontError(status: 503, description: "mapper \(ownerID), which takes the batches of this Idempotency-Key, is not alive; retry later with the same key",
                             idempotencyKey: key)
        }
        let producerKey = ProducerKey(producer: "http:" + key, sequence: 0)
        // A client's key may have been taken by a mapper that owned it before `ownerID` joined.
        if idempotencyKey != nil {
            let joined = mappers.map { (id: $0.report.id, knownForMs: $0.knownForMs ?? .max) }
            for earlier in KeyOwnership.earlierOwners(of: key, owner: ownerID, mappers: joined, windowMs: KeyOwnership.retryWindowMs) {
                guard let node = live.first(where: { $0.report.id == earlier }), let at = node.report.endpoints["acked"] else { continue }
                if let first = try? await client.call(RetryLookup(producerKey), at: at, credential: configuration.mapperToken,
                                                      timeout: .milliseconds(configuration.callTimeoutMs)) ?? nil {
                    return first
                }
            }
        }
        let reply: IngestReply
        do {
            reply = try await client.call(make(producerKey), at: endpoint, credential: configuration.mapperToken,
                                          timeout: .milliseconds(configuration.callTimeoutMs))
        } catch {
            logger.warning("ingest through \(ownerID) at \(endpoint) failed: \(error)")
            throw FrontError(status: 503, description: "outcome unknown: mapper \(ownerID) did not answer (\(error)); "
                             + "retry with the header Idempotency-Key: \(key) and the batch is counted once", idempotencyKey: key)
        }
        if let batchError = reply.batchError {
            let status = batchError.hasPrefix("insufficient storage") ? 507 : batchError.hasPrefix("malformed") ? 400 : 500
            throw FrontError(status: status, description: "mapper \(ownerID) refused the batch: \(batchError)", idempotencyKey: key)
        }
        return reply
    }

    static func freshKey() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36) + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// Asks the reducer owning `spec.name` for the stats of its buckets; for a split partition,
    /// asks every piece for its window states and merges them here.
    public func query(_ spec: QuerySpec) async throws(FrontError) -> QueryAnswer {
        var spec = spec
        spec.seriesMax = configuration.querySeriesMax
        do {
            return try await withHolders(of: spec.name) { map, holders throws(RPCError) in
                var asked = spec
                asked.epoch = map.epoch
                guard holders.count > 1 else { return try await self.ask(asked, holders[0]) }
                self.metrics.splitQueries.increment()
                let pieces = try await self.askEach(holders, StatesQuery(asked))
                do { return try QueryStates.merge(pieces, spec: asked) } catch { throw RPCError(.remote, "merging the pieces: \(error)") }
            }
        } catch where error.description.hasPrefix(QuerySeriesLimitError.prefix) {
            metrics.queriesRefused.increment()
            throw FrontError(status: 422, description: String(error.description.dropFirst(QuerySeriesLimitError.prefix.count)))
        } catch where error.description.hasPrefix(QueryRetentionError.prefix) {
            metrics.queriesRefusedRetention.increment()
            throw FrontError(status: 422, description: String(error.description.dropFirst(QueryRetentionError.prefix.count)))
        } catch {
            throw FrontError.unavailable(error.description)
        }
    }

    /// Answers a query of one name, or of every name a glob matches (at most
    /// `queryNamesMax`, asked at once), in name order.
    public func query(_ parameters: QueryParameters) async throws(FrontError) -> [(name: String, answer: QueryAnswer)] {
        guard parameters.pattern.isGlob else { return [(parameters.spec.name, try await query(parameters.spec))] }
        let pattern = parameters.pattern
        let names = try await names(prefix: pattern.literalPrefix).filter { pattern.matches($0) }
        guard names.count <= configuration.queryNamesMax else {
            metrics.queriesRefusedNames.increment()
            throw FrontError(status: 422, description: "'\(pattern)' matches \(names.count) names; a query may read at most \(configuration.queryNamesMax) "
                             + "(--query-names-max): narrow the pattern")
        }
        let results = await withTaskGroup(of: (Int, Result<QueryAnswer, FrontError>).self) { group in
            for (index, name) in names.enumerated() {
                group.addTask {
                    do throws(FrontError) { return (index, .success(try await self.query(parameters.named(name)))) } catch { return (index, .failure(error)) }
                }
            }
            var results = [(Int, Result<QueryAnswer, FrontError>)]()
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var answers = [(name: String, answer: QueryAnswer)]()
        for (name, result) in zip(names, results) { answers.append((name, try result.get())) }
        return answers
    }

    /// The series of `name`, from the reducers that hold it.
    public func series(named name: String) async throws(FrontError) -> [SeriesListing] {
        do {
            return try await withHolders(of: name) { _, holders throws(RPCError) in
                let listings = try await self.askEach(holders, SeriesRequest(name: name))
                guard listings.count > 1 else { return listings[0] }
                return Set(listings.joined()).sorted { $0.tags != $1.tags ? $0.tags.lexicographicallyPrecedes($1.tags) : $0.type < $1.type }
            }
        } catch {
            throw FrontError.unavailable(error.description)
        }
    }

    /// Calls `body` with the map and the reducers holding `name`'s partition (its owner, or
    /// every piece of a split). A reducer that answers "moved" (a handover changed the
    /// partition's holders since this front's map) sends the front for a fresh map and round
    /// again, a few times.
    func withHolders<Reply>(of name: String,
                            _ body: (PartitionMap, [ReducerAddress]) async throws(RPCError) -> Reply) async throws(RPCError) -> Reply {
        var attempt = 0
        while true {
            guard let view = await clusterView() else { throw RPCError(.remote, "the coordinator has not answered yet") }
            var holders = [ReducerAddress]()
            for slot in view.map.holders(ofPartition: view.map.partition(of: name)) {
                guard let reducer = view.map.reducers[slot] else { throw RPCError(.remote, "reducer \(slot) has not registered") }
                holders.append(reducer)
            }
            do {
                return try await body(view.map, holders)
            } catch where error.description.contains("moved: ") && attempt < 20 {
                attempt += 1
                metrics.queriesRerouted.increment()
                try? await Task.sleep(for: .milliseconds(100))
                await refresh()
            }
        }
    }

    /// Calls one reducer; an error names it, unless it is a refusal the caller answers `422`.
    func ask<Call: InternalCall>(_ call: Call, _ reducer: ReducerAddress) async throws(RPCError) -> Call.Reply {
        do {
            return try await client.call(call, at: reducer.query, timeout: .milliseconds(configuration.callTimeoutMs))
        } catch where error.description.hasPrefix(QuerySeriesLimitError.prefix) || error.description.hasPrefix(QueryRetentionError.prefix) {
            throw error
        } catch {
            throw RPCError(.remote, "reducer \(reducer.id) at \(reducer.query): \(error)")
        }
    }

    /// Calls every reducer of `reducers` at once; the replies in their order, or the first error.
    func askEach<Call: InternalCall>(_ reducers: [ReducerAddress], _ call: Call) async throws(RPCError) -> [Call.Reply] {
        let results = await withTaskGroup(of: (Int, Result<Call.Reply, RPCError>).self) { group in
            for (index, reducer) in reducers.enumerated() {
                group.addTask {
                    do throws(RPCError) { return (index, .success(try await self.ask(call, reducer))) } catch { return (index, .failure(error)) }
                }
            }
            var results = [(Int, Result<Call.Reply, RPCError>)]()
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return try results.map { result throws(RPCError) in try result.get() }
    }

    /// Asks the coordinator to drain reducer `node` (a handover moves its partitions away).
    public func drain(node: String) async throws(FrontError) -> MembershipReply {
        try await membership(DrainRequest(node: node))
    }

    /// Asks the coordinator for `count` reducers.
    public func scale(reducers count: Int) async throws(FrontError) -> MembershipReply {
        try await membership(ScaleRequest(reducers: count))
    }

    private func membership<Call: InternalCall>(_ call: Call) async throws(FrontError) -> MembershipReply where Call.Reply == MembershipReply {
        do {
            let reply = try await client.call(call, at: configuration.coordinatorEndpoint, timeout: .seconds(5))
            await refresh()
            return reply
        } catch where error.kind == .remote {
            throw FrontError(status: error.description.hasPrefix("no reducer") ? 404 : 409, description: error.description)
        } catch {
            throw FrontError.unavailable("the coordinator did not answer: \(error)")
        }
    }

    /// Known metric names from every reducer.
    public func names(prefix: String) async throws(FrontError) -> [String] {
        // No name is longer than the limit, so neither is a prefix that matches one.
        guard prefix.utf8.count <= configuration.validation.nameBytesMax else { return [] }
        guard let view = await clusterView() else { throw FrontError.unavailable("the coordinator has not answered yet") }
        do {
            // Every reducer at once (a glob waits for this before its queries).
            let lists = try await askEach(view.map.reducers.compactMap { $0 }, NamesRequest(prefix: prefix))
            return Set(lists.joined()).sorted()
        } catch {
            throw FrontError.unavailable(error.description)
        }
    }
}

/// A request the front could not serve; carries its HTTP status, and for ingest the
/// Idempotency-Key the client may retry with.
public struct FrontError: Error, CustomStringConvertible {
    public let status: Int
    public let description: String
    public var idempotencyKey: String? = nil

    static func unavailable(_ message: String) -> FrontError { FrontError(status: 503, description: message) }
    static func badRequest(_ message: String) -> FrontError { FrontError(status: 400, description: message) }
}
