import ArgumentParser
import Auth
import Foundation
import Front
import Hummingbird
import Logging
import Prometheus
import Runtime
import ServiceLifecycle

struct FrontCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "front", abstract: "Run a front node: HTTP query API, ingest gateway, status.")

    @Option(help: "Host name or address to bind and advertise.") var host = Env.string("HOST", "0.0.0.0")
    @Option(help: "HTTP port.") var httpPort = Env.int("HTTP_PORT", 8080)
    @Option(help: "Coordinator endpoint.") var coordinator = Env.string("COORDINATOR", "tcp://127.0.0.1:5550")
    @Option(help: "Front node id.") var id = Env.string("ID", "front-0")
    @Option(help: "Largest request body in bytes.") var bodyBytesMax = Env.int("BODY_BYTES_MAX", 16 << 20)
    @Option(help: "UDP port for statsd (0: no statsd listener).") var statsdPort = Env.int("STATSD_PORT", 0)
    @Option(help: "TCP port of an OTLP/HTTP server taking POST /v1/metrics (0: none; the main port takes /opentelemetry/v1/metrics).")
    var otlpPort = Env.int("OTLP_PORT", 0)
    @Option(help: "File of bearer tokens, lines 'TOKEN SCOPE[,SCOPE]' (scopes write, read, admin); none: no authentication. WINDROW_TOKENS='TOKEN=SCOPE;...' adds more.")
    var tokensFile = Env.string("TOKENS_FILE", "")
    @Option(help: "Most samples (JSON items or lines) in one ingest request.") var requestSamplesMax = Env.int("REQUEST_SAMPLES_MAX", 1_000_000)
    @Option(help: "Most series one query may read (422 beyond).") var querySeriesMax = Env.int("QUERY_SERIES_MAX", 200_000)
    @Option(help: "Most names a glob in a query's name may match (422 beyond).") var queryNamesMax = Env.int("QUERY_NAMES_MAX", 100)
    @Option(help: "Directory of Debian's libjs-dygraphs (dygraph.min.js, dygraph.min.css), the web page's charting library.")
    var dygraphsDir = Env.string("DYGRAPHS_DIR", "/usr/share/javascript/dygraphs")
    @Option(help: "How far (s) into the future a timestamp may lie.") var futureSeconds = Env.int("FUTURE_SECONDS", 600)
    @Option(help: "How far (s) into the past a timestamp may lie (0: back to 1970).") var pastSeconds = Env.int("PAST_SECONDS", 0)
    @Option(help: "Token presented to mappers that require one (a token of theirs with write scope).") var mapperToken = Env.string("MAPPER_TOKEN", "")
    @Option(help: "Log level.") var logLevel = Env.string("LOG_LEVEL", "info")
    @OptionGroup var secret: SecretOptions

    func run() async throws {
        var logger = Logger(label: "windrow.\(id)")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var configuration = FrontConfiguration(id: id, host: host, httpPort: httpPort, coordinatorEndpoint: coordinator)
        configuration.bodyBytesMax = bodyBytesMax
        configuration.requestSamplesMax = requestSamplesMax
        configuration.querySeriesMax = querySeriesMax
        configuration.queryNamesMax = queryNamesMax
        configuration.dygraphsDirectory = dygraphsDir
        configuration.validation.futureNanosecondsMax = Int64(futureSeconds) * 1_000_000_000
        configuration.validation.pastNanosecondsMax = Int64(pastSeconds) * 1_000_000_000
        configuration.mapperToken = mapperToken.isEmpty ? nil : Array(mapperToken.utf8)
        configuration.clusterSecret = try secret.load(logger)
        let registry = PrometheusCollectorRegistry()
        let service = FrontService(configuration: configuration, registry: registry, logger: logger)
        let tokens = try Tokens.load(file: tokensFile, environment: ProcessInfo.processInfo.environment["WINDROW_TOKENS"])
        if tokens.isEnabled { logger.info("bearer tokens required for ingest and queries") }
        let application = FrontApplication.make(service: service, registry: registry, tokens: tokens)
        var services: [any Service] = [service, application]
        if statsdPort > 0 { services.append(StatsdListener(service: service, host: host, port: statsdPort)) }
        if otlpPort > 0 { services.append(FrontApplication.otlp(service: service, registry: registry, tokens: tokens, port: otlpPort)) }
        try await RoleRunner.run(services, logger: logger)
    }
}
