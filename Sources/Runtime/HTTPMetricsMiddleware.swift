import Hummingbird
import Prometheus

/// Counts every HTTP request by route pattern (`/api/v1/label/{name}/values`, not the path
/// asked for, so the labels stay few) and status code, and times it by route:
/// `windrow_http_requests_total{route,code}` and `windrow_http_request_duration_seconds{route}`.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry
    static var buckets: [Duration] {
        [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .milliseconds(2500), .seconds(10)]
    }

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(route: context.endpointPath ?? "unmatched", code: Int(response.status.code), since: start)
            return response
        } catch {
            let code = (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
            record(route: context.endpointPath ?? "unmatched", code: code, since: start)
            throw error
        }
    }

    func record(route: String, code: Int, since start: ContinuousClock.Instant) {
        registry.counter("windrow_http_requests_total", labels: [("route", route), ("code", String(code))],
                         help: "HTTP requests answered, by route pattern and status code.").increment()
        registry.durationHistogram("windrow_http_request_duration_seconds", labels: [("route", route)], buckets: Self.buckets,
                                   help: "Time to answer an HTTP request (to its first byte for streams), by route pattern.")
            .record(ContinuousClock.now - start)
    }
}
