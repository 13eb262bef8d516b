import Prometheus
import Runtime

/// The front node's figures in `/metrics`.
struct FrontMetrics {
    let registry: PrometheusCollectorRegistry
    let querySeconds: DurationHistogram
    let samplesAccepted: Counter
    let streams: Gauge
    let queriesRefused: Counter
    let queriesRefusedRetention: Counter
    let queriesRefusedNames: Counter
    let badQueries: Counter
    let unknownRoutes: Counter
    let queriesRerouted: Counter
    let splitQueries: Counter
    let callsInFlight: Gauge

    static let refusedHelp = "Queries refused with 422: they would read more series than --query-series-max, match more names than --query-names-max, "
        + "or ask for a step finer than --retention still keeps."

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        querySeconds = registry.durationHistogram("windrow_query_duration_seconds",
                                                      buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(20), .milliseconds(100), .milliseconds(500), .seconds(2)], help: "Time to answer GET /v1/query.")
        samplesAccepted = registry.counter("windrow_http_samples_accepted_total", help: "Samples accepted through HTTP ingest.")
        queriesRefused = registry.counter("windrow_queries_refused_total", labels: [("reason", "query_series_limit")],
                                          help: Self.refusedHelp)
        queriesRefusedRetention = registry.counter("windrow_queries_refused_total", labels: [("reason", "retention")],
                                                   help: Self.refusedHelp)
        queriesRefusedNames = registry.counter("windrow_queries_refused_total", labels: [("reason", "query_names_limit")],
                                               help: Self.refusedHelp)
        badQueries = registry.counter("windrow_bad_queries_total", help: "GET /v1/query and /v1/stream requests answered 400: a parameter was missing or malformed (named in the answer).")
        unknownRoutes = registry.counter("windrow_http_unknown_routes_total", help: StatusRoutes.unknownRoutesHelp)
        queriesRerouted = registry.counter("windrow_queries_rerouted_total", help: "Reducer calls sent again to a partition's new owner after a handover moved it.")
        splitQueries = registry.counter("windrow_split_queries_total", help: "Queries of a split partition, answered by merging the window states of every piece.")
        streams = registry.gauge("windrow_sse_streams", help: "Server-Sent Event streams open now.")
        callsInFlight = registry.gauge("windrow_zmq_calls_in_flight", help: "Requests sent to other nodes over ZeroMQ and awaiting their answer.")
    }

    /// Parts of OTLP requests no window holds (exponential histogram buckets, map attributes).
    func otlpDropped(_ what: String, count: Int) {
        registry.counter("windrow_otlp_dropped_total", labels: [("what", what)],
                         help: "Parts of OTLP requests read past and not stored, by what they were.").increment(by: Int64(count))
    }

    /// A Prometheus API query answered with an error, by its `errorType`.
    func rejectedQuery(_ type: String) {
        registry.counter("windrow_prometheus_api_errors_total", labels: [("error_type", type)],
                         help: "Prometheus API requests answered with an error, by errorType (bad_data: unsupported or malformed PromQL).").increment()
    }

    func rejected(_ reason: String, count: Int = 1) {
        registry.counter("windrow_rejected_samples_total", labels: [("reason", reason)], help: "Samples rejected, by reason.").increment(by: Int64(count))
    }
}
