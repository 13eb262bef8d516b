import ArgumentParser
import ClusterCore
import Coordinator
import Model
import Prometheus
import Runtime

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "coordinator", abstract: "Run the control plane: membership, partition map, watermark, discovery.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var secret: SecretOptions
    @Option(help: "Directory for the coordinator's state.") var dataDir = Env.string("DATA_DIR", "./data/coordinator")
    @Option(help: "ZeroMQ endpoint to bind for heartbeats and cluster questions.") var listen = Env.string("LISTEN", "tcp://0.0.0.0:5550")
    @Option(help: "Number of virtual partitions (fixed for the life of the data).") var partitions = Env.int("PARTITIONS", 256)
    @Option(help: "Number of reducers (ordinals 0..<N).") var reducers = Env.int("REDUCERS", 2)
    @Option(help: "Base window (10s, 1m, ...).") var window = Env.string("WINDOW", "1m")
    @Option(help: "Relative accuracy of quantile sketches (0 keeps none).") var sketchAccuracy = Env.double("SKETCH_ACCURACY", 0.01)
    @Option(help: "Most series the reducers may hold together; past it mappers refuse new series (cluster_series_limit). 0: no limit.")
    var clusterSeriesMax = Env.int("CLUSTER_SERIES_MAX", 10_000_000)
    @Option(help: "Milliseconds without a heartbeat before a node counts as down.") var livenessTimeoutMs = Env.int("LIVENESS_TIMEOUT_MS", 5000)
    @Option(help: "Milliseconds a handover may take before it is abandoned (ownership unchanged) and tried again; mappers hold their flushes while one runs.") var handoverTimeoutMs = Env.int("HANDOVER_TIMEOUT_MS", 120_000)

    @Option(help: "Split a partition by series over several reducers when its load exceeds this many times a reducer's fair share; 0: never.")
    var splitFactor = Env.double("SPLIT_FACTOR", 1.5)
    @Option(help: "Milliseconds a partition must stay hot before it is split, or cool (below half the threshold) before it is joined again.")
    var splitHoldMs = Env.int("SPLIT_HOLD_MS", 60_000)
    @Option(help: "Below this load (samples plus rows merged per second) no partition is split, and a split one is joined again below half of it.")
    var splitMinLoad = Env.double("SPLIT_MIN_LOAD", 1_000)

    func run() async throws {
        let logger = common.logger("windrow.coordinator")
        var configuration = CoordinatorConfiguration(dataDirectory: dataDir, endpoint: listen)
        configuration.statusURL = common.statusURL
        configuration.clusterSecret = try secret.load(logger)
        configuration.partitionCount = partitions
        configuration.reducerCount = reducers
        configuration.windowNanoseconds = try Step(parsing: window).nanoseconds
        configuration.sketchAccuracy = sketchAccuracy
        configuration.livenessTimeoutMs = livenessTimeoutMs
        configuration.handoverTimeoutMs = handoverTimeoutMs
        configuration.splitPolicy = SplitPolicy(factor: splitFactor, holdNanoseconds: Int64(splitHoldMs) * 1_000_000, minimumLoad: splitMinLoad)
        configuration.seriesMax = clusterSeriesMax > 0 ? clusterSeriesMax : nil
        guard reducers >= 1, partitions >= reducers else { throw CommandError("need 1 <= reducers <= partitions") }
        guard splitFactor >= 0, splitFactor.isFinite, splitHoldMs >= 0, splitMinLoad >= 0, splitMinLoad.isFinite else {
            throw CommandError("--split-factor, --split-hold-ms and --split-min-load must be at least 0")
        }
        let registry = PrometheusCollectorRegistry()
        let service = CoordinatorService(configuration: configuration, registry: registry, logger: logger)
        let status = StatusRoutes.server(host: "0.0.0.0", port: common.httpPort, registry: registry, ready: { service.isReady })
        try await RoleRunner.run([service.loop(), status], logger: logger)
    }
}
