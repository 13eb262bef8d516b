import ClusterClient
import ClusterCore
import Foundation
import Logging
import Prometheus
import Runtime
import Storage
import Synchronization
import Transport

/// Everything a coordinator needs to run.
public struct CoordinatorConfiguration: Sendable {
    public var dataDirectory: String
    /// ROUTER endpoint for heartbeats and cluster questions.
    public var endpoint: String
    public var partitionCount = 256
    public var reducerCount = 2
    public var windowNanoseconds: Int64 = 60_000_000_000
    public var sketchAccuracy = 0.01
    /// A node silent for this long is reported down and leaves the watermark computation.
    public var livenessTimeoutMs = 5000
    /// The HTTP status server's URL (`/metrics`), listed among the nodes for discovery.
    public var statusURL: String?
    /// Most series the live reducers may hold together (`nil`: no limit).
    public var seriesMax: Int? = 10_000_000
    /// Required of every caller (`nil`: the endpoint is open, which only tests should run).
    public var clusterSecret: [UInt8]?
    /// A handover not done in this long is abandoned (ownership unchanged) and tried again.
    public var handoverTimeoutMs = 120_000
    /// When hot partitions are split by series, and joined again.
    public var splitPolicy = SplitPolicy()

    public init(dataDirectory: String, endpoint: String) {
        self.dataDirectory = dataDirectory
        self.endpoint = endpoint
    }
}

/// The control plane: membership by heartbeat, the versioned partition map, the global
/// watermark and discovery. Never on the data path. Its state is saved in its data directory
/// whenever the map or the watermark changes, so a restart keeps both.
public final class CoordinatorService: Sendable {
    public let configuration: CoordinatorConfiguration
    let logger: Logger
    let context = TransportContext()
    let waker = Waker()
    let readyFlag = Atomic<Bool>(false)
    let boundEndpoint = Mutex<String?>(nil)
    let heartbeats: Counter
    let liveNodes: Gauge
    let imbalance: Gauge
    let hotPartitions: Gauge
    let proposedMoves: Gauge
    let splitPartitions: Gauge
    let registry: PrometheusCollectorRegistry

    public init(configuration: CoordinatorConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        heartbeats = registry.counter("windrow_heartbeats_total", help: "Heartbeats received.")
        liveNodes = registry.gauge("windrow_live_nodes", help: "Nodes that sent a heartbeat recently.")
        imbalance = registry.gauge("windrow_cluster_load_imbalance", help: "The busiest live reducer's measured load over the mean reducer's (1: even).")
        hotPartitions = registry.gauge("windrow_cluster_hot_partitions", help: "Partitions carrying more than 1.5 times a reducer's fair share of the load.")
        splitPartitions = registry.gauge("windrow_cluster_split_partitions", help: "Hot partitions split by series over several reducers now.")
        proposedMoves = registry.gauge("windrow_cluster_proposed_moves", help: "Partition moves that would balance the measured load.")
        self.registry = registry
    }

    public var isReady: Bool { readyFlag.load(ordering: .acquiring) }

    /// The endpoint actually bound, once running.
    public var endpoint: String? { boundEndpoint.withLock { $0 } }

    var statePath: String { configuration.dataDirectory + "/coordinator-state.json" }

    public func loop() -> LoopThread {
        LoopThread(name: "coordinator", onStop: { [waker] in waker.wake() }) { [self] stop in
            do {
                try run(stop)
            } catch {
                logger.critical("coordinator stopped: \(error)")
            }
        }
    }

    func loadState() throws -> CoordinatorState {
        let fresh = CoordinatorState(partitionCount: configuration.partitionCount, reducerCount: configuration.reducerCount,
                                     windowNanoseconds: configuration.windowNanoseconds, sketchAccuracy: configuration.sketchAccuracy,
                                     livenessTimeout: Int64(configuration.livenessTimeoutMs) * 1_000_000)
        var state = try savedState() ?? fresh
        state.seriesMax = configuration.seriesMax
        state.splitPolicy = configuration.splitPolicy
        return state
    }

    /// The state saved by the last run, checked against the flags.
    func savedState() throws -> CoordinatorState? {
        guard let data = FileManager.default.contents(atPath: statePath) else { return nil }
        var saved = try JSONDecoder().decode(CoordinatorState.self, from: data)
        let map = saved.map
        guard map.partitionCount == configuration.partitionCount,
              map.windowNanoseconds == configuration.windowNanoseconds, map.sketchAccuracy == configuration.sketchAccuracy else {
            throw CoordinatorError("the saved cluster (\(map.partitionCount) partitions, window \(map.windowNanoseconds) ns, sketch accuracy \(map.sketchAccuracy)) differs from the flags; changing these needs a new data directory")
        }
        if map.reducers.count != configuration.reducerCount {
            logger.notice("the saved cluster has \(map.reducers.count) reducers; --reducers \(configuration.reducerCount) only sizes a new cluster (reducers join and drain by handover)")
        }
        saved.livenessTimeout = Int64(configuration.livenessTimeoutMs) * 1_000_000
        return saved
    }

    func run(_ stop: StopFlag) throws {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        var state = try loadState()
        let server = try RPCServer(context: context, bind: configuration.endpoint, secret: configuration.clusterSecret,
                                   refused: InternalRefusals(registry: registry).count)
        boundEndpoint.withLock { $0 = server.endpoint }
        readyFlag.store(true, ordering: .releasing)
        logger.info("coordinator listens on \(server.endpoint); map version \(state.map.version), \(state.map.partitionCount) partitions over \(state.map.reducers.count) reducers")
        var saved = (state.map, state.watermark, state.draining, state.desiredReducers)
        var saveFailing = false
        var nextBalance: Int64 = 0
        while !stop.isStopped {
            _ = try Readiness.wait([.server(server), .waker(waker)], timeoutMs: 200)
            let now = WallClock.now().nanoseconds
            while let request = try server.receive() {
                do {
                    switch InternalMethod(request) {
                    case .heartbeat:
                        let report = try NodeReport.decode(request.body)
                        heartbeats.increment()
                        let before = state.map.version
                        server.reply(request, NodeReport.self, state.heartbeat(report, now: now))
                        if state.map.version != before { logger.info("partition map version \(state.map.version): \(report.id) at \(report.endpoints)") }
                    case .cluster:
                        server.reply(request, ClusterRequest.self, state.view(now: now))
                    case .drain:
                        let asked = try DrainRequest.decode(request.body)
                        try state.drain(asked.node, now: now)
                        logger.notice("\(asked.node) drains: its partitions move to the other reducers")
                        server.reply(request, DrainRequest.self, MembershipReply(message: "\(asked.node) drains: its partitions move away, then it leaves the map",
                                                                                 draining: state.draining.sorted()))
                    case .scale:
                        let asked = try ScaleRequest.decode(request.body)
                        try state.scale(reducers: asked.reducers, now: now)
                        logger.notice("asked for \(asked.reducers) reducers; draining: \(state.draining.sorted())")
                        server.reply(request, ScaleRequest.self, MembershipReply(message: "asked for \(asked.reducers) reducers",
                                                                                 draining: state.draining.sorted()))
                    default:
                        server.fail(request, "unknown method '\(request.method)'; a coordinator answers 'heartbeat', 'cluster', 'drain' and 'scale'")
                    }
                } catch {
                    server.fail(request, "\(error)")
                }
            }
            if let url = configuration.statusURL {
                _ = state.heartbeat(NodeReport(id: "coordinator", role: .coordinator, endpoints: ["http": url]), now: now)
            }
            state.advanceWatermark(now: now)
            if let step = state.stepHandover(now: now, timeout: Int64(configuration.handoverTimeoutMs) * 1_000_000) { logger.notice("\(step)") }
            liveNodes.set(Double(state.members.values.filter { state.isAlive($0, now: now) }.count))
            if now >= nextBalance {
                nextBalance = now + 1_000_000_000
                let plan = state.balance(now: now)
                imbalance.set(plan.imbalance)
                hotPartitions.set(Double(plan.hotPartitions.count))
                splitPartitions.set(Double(state.map.splits.count))
                proposedMoves.set(Double(plan.moves.count))
            }
            if saved.0 != state.map || saved.1 != state.watermark || saved.2 != state.draining || saved.3 != state.desiredReducers {
                do {
                    try AtomicFile.write(JSONWire.encode(state), to: statePath)
                    saved = (state.map, state.watermark, state.draining, state.desiredReducers)
                } catch {
                    // A full disk: keep serving from memory and try again next turn; the saved
                    // state is only older (a restart re-learns members from heartbeats).
                    if !saveFailing { logger.error("cannot save the coordinator state, will retry: \(error)") }
                    saveFailing = true
                    continue
                }
                saveFailing = false
            }
        }
        server.close()
    }
}

/// A configuration the coordinator refuses to start with.
public struct CoordinatorError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
