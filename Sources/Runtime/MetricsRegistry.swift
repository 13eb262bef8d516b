import Prometheus

/// Shorthands over the registry's descriptor API for metrics named in full
/// (`windrow_samples_received_total`): the same collector comes back for the same name and labels.
extension PrometheusCollectorRegistry {
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public func counter(_ name: String, labels: [(String, String)] = [], help: String) -> Counter {
        makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func gauge(_ name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func durationHistogram(_ name: String, labels: [(String, String)] = [], buckets: [Duration], help: String) -> DurationHistogram {
        makeDurationHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    public func valueHistogram(_ name: String, labels: [(String, String)] = [], buckets: [Double], help: String) -> ValueHistogram {
        makeValueHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }
}

/// `windrow_internal_refused_total{reason}`: calls an internal endpoint refused before the role
/// saw them (no cluster secret, a wrong one, a malformed envelope).
public struct InternalRefusals: Sendable {
    let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    public func count(_ reason: String) {
        registry.counter("windrow_internal_refused_total", labels: [("reason", reason)],
                         help: "Calls to an internal endpoint refused before the role saw them, by reason.").increment()
    }
}
