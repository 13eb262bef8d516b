import ArgumentParser
import Auth
import Foundation
import Mapper
import Prometheus
import Runtime

struct MapperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mapper", abstract: "Run a mapper: validate, log and pre-aggregate samples; flush partials to reducers.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var secret: SecretOptions
    @Option(help: "Unique, stable mapper id.") var id = Env.string("ID", "mapper-0")
    @Option(help: "Directory for the mapper's write-ahead log.") var dataDir = Env.string("DATA_DIR", "./data/mapper-0")
    @Option(help: "ZeroMQ PULL endpoint for fire-and-forget batches.") var ingest = Env.string("INGEST", "tcp://0.0.0.0:5555")
    @Option(help: "ZeroMQ ROUTER endpoint for acknowledged batches.") var acked = Env.string("ACKED", "tcp://0.0.0.0:5556")
    @Option(help: "Longest time (ms) samples wait before their partials are flushed.") var flushIntervalMs = Env.int("FLUSH_INTERVAL_MS", 250)
    @Option(help: "Most live series on this mapper; new ones beyond are refused (series_limit).") var seriesMax = Env.int("SERIES_MAX", 2_000_000)
    @Option(help: "Most live series of one metric name on this mapper (name_series_limit).") var nameSeriesMax = Env.int("NAME_SERIES_MAX", 250_000)
    @Option(help: "Seconds without a sample after which a series is no longer live (counted against the limits).")
    var seriesIdleSeconds = Env.int("SERIES_IDLE_SECONDS", 600)
    @Option(help: "Flush early when this many window states are held.") var openStatesMax = Env.int("OPEN_STATES_MAX", 1_000_000)
    @Option(help: "How far (s) into the future a timestamp may lie.") var futureSeconds = Env.int("FUTURE_SECONDS", 600)
    @Option(help: "How far (s) into the past a timestamp may lie (0: back to 1970).") var pastSeconds = Env.int("PAST_SECONDS", 0)
    @Option(help: "How long (s) a keyed batch's acknowledgement is remembered, so that a retry is answered, not counted again.")
    var retryWindowSeconds = Env.int("RETRY_WINDOW_SECONDS", 900)
    @Option(help: "Most keyed batches remembered for retries (oldest forgotten first).") var retryKeysMax = Env.int("RETRY_KEYS_MAX", 200_000)
    @Option(help: "File of tokens ('TOKEN SCOPE[,SCOPE]' lines); producers must send one with write scope. None: no authentication. WINDROW_TOKENS='TOKEN=SCOPE;...' adds more.")
    var tokensFile = Env.string("TOKENS_FILE", "")

    func run() async throws {
        let logger = common.logger("windrow.\(id)")
        var configuration = MapperConfiguration(id: id, dataDirectory: dataDir, ingestEndpoint: ingest, ackedEndpoint: acked,
                                                advertisedHost: common.host, coordinatorEndpoint: common.coordinator)
        configuration.statusURL = common.statusURL
        configuration.flushIntervalMs = flushIntervalMs
        configuration.clusterSecret = try secret.load(logger)
        configuration.openStatesMax = openStatesMax
        guard seriesMax > 0, nameSeriesMax > 0, seriesIdleSeconds > 0 else {
            throw CommandError("--series-max, --name-series-max and --series-idle-seconds must be positive")
        }
        configuration.seriesLimits.seriesMax = seriesMax
        configuration.seriesLimits.nameSeriesMax = nameSeriesMax
        configuration.seriesLimits.idleNanoseconds = Int64(seriesIdleSeconds) * 1_000_000_000
        guard retryWindowSeconds > 0, retryKeysMax > 0 else { throw CommandError("--retry-window-seconds and --retry-keys-max must be positive") }
        configuration.retryWindowSeconds = retryWindowSeconds
        configuration.retryKeysMax = retryKeysMax
        configuration.validation.futureNanosecondsMax = Int64(futureSeconds) * 1_000_000_000
        configuration.validation.pastNanosecondsMax = Int64(pastSeconds) * 1_000_000_000
        configuration.tokens = try Tokens.load(file: tokensFile, environment: ProcessInfo.processInfo.environment["WINDROW_TOKENS"])
        if configuration.tokens.isEnabled { logger.info("producers must present a token with write scope") }
        let registry = PrometheusCollectorRegistry()
        let service = try MapperService(configuration: configuration, registry: registry, logger: logger)
        let status = StatusRoutes.server(host: "0.0.0.0", port: common.httpPort, registry: registry, ready: { service.isReady },
                                        refresh: { service.refreshMetrics() })
        try await RoleRunner.run([service.loop(), status], logger: logger)
    }
}
