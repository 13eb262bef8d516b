import ArgumentParser
import Prometheus
import Reducer
import Runtime

struct ReducerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reducer", abstract: "Run a reducer: merge partials, seal windows into shard files, answer queries.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var secret: SecretOptions
    @Option(help: "Unique reducer id; its trailing number is the ordinal unless --ordinal is given.") var id = Env.string("ID", "reducer-0")
    @Option(help: "Which partitions it owns (p mod reducers == ordinal).") var ordinal = Env.int("ORDINAL", -1)
    @Option(help: "Directory for the log, checkpoint and shard files.") var dataDir = Env.string("DATA_DIR", "./data/reducer-0")
    @Option(help: "ZeroMQ ROUTER endpoint for partial batches.") var partials = Env.string("PARTIALS", "tcp://0.0.0.0:5560")
    @Option(help: "ZeroMQ ROUTER endpoint for queries.") var query = Env.string("QUERY", "tcp://0.0.0.0:5561")
    @Option(help: "Milliseconds after a window's end (by the watermark) before it is sealed.") var allowedLatenessMs = Env.int("ALLOWED_LATENESS_MS", 30_000)
    @Option(help: "How often (ms) to look for windows to seal.") var sealIntervalMs = Env.int("SEAL_INTERVAL_MS", 5000)
    @Option(help: "Half-life (ms) of the per-partition load reported to the coordinator, which balances and splits by it.")
    var loadHalfLifeMs = Env.int("LOAD_HALF_LIFE_MS", 30_000)
    @Option(help: "Most shard files held open for reading at once (least recently used closed first).") var openFilesMax = Env.int("OPEN_FILES_MAX", 256)
    @Option(help: "How long rows are kept per resolution, as in 1m=30d,1h=400d,1d=forever (unnamed: forever).") var retention = Env.string("RETENTION", "")
    @Option(help: "Most bytes per second compaction writes (0: unpaced).") var compactionMibPerSecond = Env.int("COMPACTION_MIB_PER_SECOND", 64)
    @Option(help: ArgumentHelp("Pause after each compaction step (fault tests).", visibility: .hidden)) var compactionStepDelayMs = Env.int("COMPACTION_STEP_DELAY_MS", 0)

    func run() async throws {
        let resolved = ordinal >= 0 ? ordinal : (windrow.ordinal(of: id) ?? 0)
        let logger = common.logger("windrow.\(id)")
        var configuration = ReducerConfiguration(id: id, ordinal: resolved, dataDirectory: dataDir, partialsEndpoint: partials,
                                                 queryEndpoint: query, advertisedHost: common.host, coordinatorEndpoint: common.coordinator)
        configuration.statusURL = common.statusURL
        configuration.allowedLatenessMs = allowedLatenessMs
        configuration.sealIntervalMs = sealIntervalMs
        guard loadHalfLifeMs >= 100 else { throw CommandError("--load-half-life-ms must be at least 100") }
        configuration.loadHalfLifeSeconds = Double(loadHalfLifeMs) / 1000
        guard openFilesMax >= 1 else { throw CommandError("--open-files-max must be at least 1") }
        configuration.openFilesMax = openFilesMax
        guard compactionMibPerSecond >= 0 else { throw CommandError("--compaction-mib-per-second must be 0 (unpaced) or more") }
        configuration.retention = retention
        configuration.compactionBytesPerSecond = compactionMibPerSecond << 20
        configuration.compactionStepDelayMs = max(0, compactionStepDelayMs)
        configuration.clusterSecret = try secret.load(logger)
        let registry = PrometheusCollectorRegistry()
        let service = try ReducerService(configuration: configuration, registry: registry, logger: logger)
        let status = StatusRoutes.server(host: "0.0.0.0", port: common.httpPort, registry: registry, ready: { service.isReady })
        try await RoleRunner.run([service.loop(), status], logger: logger)
    }
}
