import ArgumentParser
import Auth
import ClusterClient
import ClusterCore
import Foundation
import Logging
import Model
import Reducer
import Runtime
import Supervisor
import Transport
import UnixSignals
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "local", abstract: "Run a whole cluster on this machine as supervised child processes.")

    @Option(help: "One data directory for every child.") var dataDir = Env.string("DATA_DIR", "./data")
    @Option(help: "HTTP port of the front node.") var httpPort = Env.int("HTTP_PORT", 8080)
    @Option(help: "First ZeroMQ ingest port: mapper i takes PULL on port+2i and acknowledged on port+2i+1; 0 picks free ports.") var ingestPort = Env.int("INGEST_PORT", 5555)
    @Option(help: "UDP port for statsd on the front (0: off).") var statsdPort = Env.int("STATSD_PORT", 8125)
    @Option(help: "TCP port of the front's OTLP/HTTP server, POST /v1/metrics (0: off).") var otlpPort = Env.int("OTLP_PORT", 4318)
    @Option(help: "Number of mappers.") var mappers = Env.int("MAPPERS", 2)
    @Option(help: "Number of reducers.") var reducers = Env.int("REDUCERS", 2)
    @Option(help: "File of tokens ('TOKEN SCOPE[,SCOPE]' lines) required by the front and the mappers; none: no authentication.") var tokensFile = Env.string("TOKENS_FILE", "")
    @Option(help: "Base window.") var window = Env.string("WINDOW", "1m")
    @Option(help: "Allowed lateness before sealing (ms).") var allowedLatenessMs = Env.int("ALLOWED_LATENESS_MS", 30_000)
    @Option(help: "Seal check interval (ms).") var sealIntervalMs = Env.int("SEAL_INTERVAL_MS", 5000)
    @Option(help: "Mapper flush interval (ms).") var flushIntervalMs = Env.int("FLUSH_INTERVAL_MS", 250)
    @Option(help: "Log level of the children.") var logLevel = Env.string("LOG_LEVEL", "info")
    @Option(help: "Directory of Debian's libjs-dygraphs (dygraph.min.js, dygraph.min.css), the web page's charting library.")
    var dygraphsDir = Env.string("DYGRAPHS_DIR", "/usr/share/javascript/dygraphs")
    @Option(help: "How long the reducers keep rows per resolution, as in 1m=30d,1h=400d,1d=forever (unnamed: forever).") var retention = Env.string("RETENTION", "")

    func run() async throws {
        var logger = Logger(label: "windrow.local")
        logger.logLevel = .info
        guard mappers >= 1, reducers >= 1 else { throw CommandError("need at least one mapper and one reducer") }
        do {
            let base = try Step(parsing: window)
            _ = try Retention(parsing: retention, resolutions: Retention.resolutions(window: base))
        } catch {
            throw CommandError("\(error)")
        }
        let directory = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var layout = LocalCluster(dataDirectory: directory, httpPort: httpPort, ingestPort: ingestPort, mappers: mappers, reducers: reducers,
                                  window: window, allowedLatenessMs: allowedLatenessMs, sealIntervalMs: sealIntervalMs,
                                  flushIntervalMs: flushIntervalMs, logLevel: logLevel)
        layout.statsdPort = statsdPort
        layout.otlpPort = otlpPort
        layout.retention = retention
        layout.dygraphsDirectory = dygraphsDir
        layout.tokensFile = tokensFile.isEmpty ? "" : URL(fileURLWithPath: tokensFile).standardizedFileURL.path
        let (specs, coordinator, ingest, acked) = try layout.children()
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let supervisor = Supervisor(executable: executable, children: specs, logger: logger)
        try supervisor.start()

        let front = "http://127.0.0.1:\(httpPort)"
        let readiness = Task {
            while !Task.isCancelled {
                if await Self.isReady(front) {
                    let text = """
                        windrow local is ready
                          web page and HTTP API: \(front)/
                          ZeroMQ ingest (push):  \(ingest.joined(separator: ", "))
                          ZeroMQ ingest (acked): \(acked.joined(separator: ", "))
                          statsd (UDP):          \(statsdPort > 0 ? "127.0.0.1:\(statsdPort)" : "off")
                          OTLP/HTTP metrics:     \(otlpPort > 0 ? "http://127.0.0.1:\(otlpPort)/v1/metrics" : "off")
                          Prometheus:            remote_write to \(front)/api/v1/write, datasource URL \(front)
                          coordinator:           \(coordinator)
                          data directory:        \(directory)

                        """
                    FileHandle.standardOutput.write(Data(text.utf8))
                    return
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let scaling = Task { [layout, logger] in
            await Self.scaleReducers(layout: layout, coordinator: coordinator, supervisor: supervisor, logger: logger)
        }
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
            logger.info("\(signal): stopping the cluster")
            break
        }
        readiness.cancel()
        scaling.cancel()
        supervisor.stop()
        logger.info("stopped")
    }

    /// Every second: starts the reducers the coordinator's map or a scale request wants and
    /// stops those that drained and left the map (`LocalCluster.reconcile`).
    static func scaleReducers(layout: LocalCluster, coordinator: String, supervisor: Supervisor, logger: Logger) async {
        let secret = try? ClusterSecret.load(file: layout.clusterSecretFile(), environment: nil)
        let context = TransportContext()
        let client = RPCClient(context: context, name: "local-scale", secret: secret ?? nil)
        defer { client.shutdown() }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard let view = try? await client.call(ClusterRequest(), at: coordinator, timeout: .seconds(2)), view.map.isComplete else { continue }
            let running = supervisor.running.filter { $0.hasPrefix("reducer-") }
            let (start, stop) = LocalCluster.reconcile(running: running, mapReducers: view.map.reducers.compactMap { $0?.id },
                                                       draining: Set(view.draining ?? []),
                                                       givingAway: Set(view.map.handover?.moves.map(\.from) ?? []), desired: view.desiredReducers)
            for index in start {
                do {
                    logger.info("starting reducer-\(index)")
                    try supervisor.add(try layout.reducer(index))
                } catch {
                    logger.error("cannot start reducer-\(index): \(error)")
                }
            }
            for name in stop { supervisor.retire(name) }
        }
    }

    static func isReady(_ front: String) async -> Bool {
        guard let url = URL(string: front + "/readyz") else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 1
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }
}
