import Hummingbird
import Prometheus

/// The routes every role serves: `/healthz` (alive), `/readyz` (ready for traffic) and
/// `/metrics` (Prometheus text exposition: the registry's figures, `windrow_build_info` and the
/// standard `process_*` ones). `refresh` runs before each scrape, to set gauges that are read
/// rather than tracked (queue depths, memory).
public enum StatusRoutes {
    /// The help of `windrow_http_unknown_routes_total`, the same on every role.
    public static let unknownRoutesHelp = "Requests for a path or method this server does not serve (404 or 405 with a JSON error)."

    public static func add(to router: Router<some RequestContext>, registry: PrometheusCollectorRegistry, ready: @escaping @Sendable () -> Bool,
                           refresh: @escaping @Sendable () -> Void = {}) {
        registry.gauge("windrow_build_info", labels: [("version", BuildInfo.version), ("swift", BuildInfo.swiftVersion)],
                       help: "Always 1; the labels name the build.").set(to: 1.0)
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            let isReady = ready()
            return Response(status: isReady ? .ok : .serviceUnavailable,
                            headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: isReady ? "ready\n" : "not ready\n")))
        }
        let resident = registry.gauge("windrow_process_resident_bytes", help: "Resident memory of this process.")
        router.get("/metrics") { _, _ -> Response in
            resident.set(to: Double(ProcessMemory.residentBytes()))
            refresh()
            var body = ByteBuffer(bytes: registry.emitToBuffer())
            body.writeString(ProcessFigures.exposition())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: body))
        }
    }

    /// A server of just the status routes, on `host:port`, each request counted and timed.
    public static func server(host: String, port: Int, registry: PrometheusCollectorRegistry, ready: @escaping @Sendable () -> Bool,
                              refresh: @escaping @Sendable () -> Void = {}) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: HTTPMetricsMiddleware(registry: registry))
        let unknown = registry.counter("windrow_http_unknown_routes_total", help: StatusRoutes.unknownRoutesHelp)
        router.add(middleware: JSONErrorMiddleware { unknown.increment() })
        add(to: router, registry: registry, ready: ready, refresh: refresh)
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "windrow"))
    }
}
