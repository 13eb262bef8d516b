import ArgumentParser
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
    @Option(help: "File of bearer tokens, lines 'TOKEN SCOPE[,SCOPE]' (scopes write, read, admin); none: no authentication. WINDROW_TOKENS='TOKEN=SCOPE;...' adds more.")
    var tokensFile = Env.string("TOKENS_FILE", "")
    @Option(help: "Log level.") var logLevel = Env.string("LOG_LEVEL", "info")

    func run() async throws {
        var logger = Logger(label: "windrow.\(id)")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var configuration = FrontConfiguration(id: id, host: host, httpPort: httpPort, coordinatorEndpoint: coordinator)
        configuration.bodyBytesMax = bodyBytesMax
        let registry = PrometheusCollectorRegistry()
        let service = FrontService(configuration: configuration, registry: registry, logger: logger)
        let tokens = try Tokens.load(file: tokensFile, environment: ProcessInfo.processInfo.environment["WINDROW_TOKENS"])
        if tokens.isEnabled { logger.info("bearer tokens required for ingest and queries") }
        let application = FrontApplication.make(service: service, registry: registry, tokens: tokens)
        var services: [any Service] = [service, application]
        if statsdPort > 0 { services.append(StatsdListener(service: service, host: host, port: statsdPort)) }
        try await RoleRunner.run(services, logger: logger)
    }
}
