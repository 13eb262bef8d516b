import Codec
import Model

/// OTLP/HTTP metrics (`ExportMetricsServiceRequest`, protobuf or JSON) as Windrow samples
/// (docs/opentelemetry.md says what is kept):
///
/// - a gauge point is a sample of the metric's name;
/// - a sum point is a sample of the name: of type `counter` (increments) when its temporality is
///   delta, a cumulative value (answered by PromQL's `rate` and `increase`) when cumulative;
/// - a histogram point gives `NAME.count` and `NAME.sum` (as a sum of that temporality),
///   `NAME.min` and `NAME.max` when present, and `NAME.bucket` per bucket with tag `le` (the
///   bucket's upper bound, `+Inf` last; counts cumulative over the buckets, as Prometheus has them);
/// - an exponential histogram point gives count, sum, min and max (its buckets are not kept);
/// - a summary point gives `NAME.count`, `NAME.sum` and `NAME` per quantile with tag `quantile`.
///
/// Resource attributes, then the point's, become tags (a point's wins on a clash); strings,
/// booleans, integers and doubles are kept as text, arrays, maps and bytes dropped and counted.
public enum OTLP {
    /// What a request held: its samples (each validated), the rejected ones, and what was dropped.
    public struct Parsed: Sendable {
        public var samples = ParsedSamples()
        /// Data points (or parts of them) and attributes that no window can hold, by what they were.
        public var dropped: [String: Int] = [:]
        /// Data points read.
        public var points = 0
    }

    enum Kind { case gauge, sum, histogram, exponentialHistogram, summary }

    struct Point {
        var attributes: [Tag] = []
        var time: Int64 = 0
        var value: Double?
        var count: Double?
        var sum: Double?
        var min: Double?
        var max: Double?
        var bounds: [Double] = []
        var bucketCounts: [Double] = []
        var quantiles: [(Double, Double)] = []
    }

    struct Metric {
        var name = ""
        var kind: Kind?
        /// 1 delta, 2 cumulative (0: unspecified).
        var temporality = 0
        var points: [Point] = []
    }

    /// Turns decoded metrics into validated samples; `now` stands in for missing timestamps and
    /// is what timestamps are checked against.
    static func samples(_ resources: [(tags: [Tag], metrics: [Metric])], validator: SampleValidator, now: Timestamp,
                        dropped: [String: Int]) -> Parsed {
        var parsed = Parsed()
        parsed.dropped = dropped
        var index = 0
        func add(_ name: String, _ value: Double, _ time: Int64, _ tags: [Tag], _ type: MetricType) {
            let sample = Sample(name: name, value: value, timestamp: time > 0 ? Timestamp(nanoseconds: time) : now, tags: tags, type: type)
            do {
                try validator.validate(sample, now: now)
                parsed.samples.samples.append(sample)
                parsed.samples.indices.append(index)
            } catch {
                parsed.samples.errors.append((index, error))
            }
            index += 1
        }
        for (resourceTags, metrics) in resources {
            for metric in metrics {
                guard let kind = metric.kind else {
                    parsed.dropped["metric without data", default: 0] += 1
                    continue
                }
                let sumType: MetricType = metric.temporality == 1 ? .counter : .gauge
                for point in metric.points {
                    parsed.points += 1
                    var tags = point.attributes
                    for tag in resourceTags where !tags.contains(where: { $0.key == tag.key }) { tags.append(tag) }
                    switch kind {
                    case .gauge:
                        guard let value = point.value else { parsed.dropped["point without value", default: 0] += 1; continue }
                        add(metric.name, value, point.time, tags, .gauge)
                    case .sum:
                        guard let value = point.value else { parsed.dropped["point without value", default: 0] += 1; continue }
                        add(metric.name, value, point.time, tags, sumType)
                    case .histogram, .exponentialHistogram, .summary:
                        if let count = point.count { add(metric.name + ".count", count, point.time, tags, kind == .summary ? .gauge : sumType) }
                        if let sum = point.sum { add(metric.name + ".sum", sum, point.time, tags, kind == .summary ? .gauge : sumType) }
                        if let min = point.min { add(metric.name + ".min", min, point.time, tags, .gauge) }
                        if let max = point.max { add(metric.name + ".max", max, point.time, tags, .gauge) }
                        if kind == .exponentialHistogram { parsed.dropped["exponential histogram buckets", default: 0] += 1 }
                        var cumulative = 0.0
                        for (position, count) in point.bucketCounts.enumerated() {
                            cumulative += count
                            let bound = position < point.bounds.count ? Self.text(point.bounds[position]) : "+Inf"
                            add(metric.name + ".bucket", cumulative, point.time, tags + [Tag("le", bound)], sumType)
                        }
                        for (quantile, value) in point.quantiles {
                            add(metric.name, value, point.time, tags + [Tag("quantile", Self.text(quantile))], .gauge)
                        }
                    }
                }
            }
        }
        return parsed
    }

    /// A number as a tag value: integers without a fraction, others in their shortest form.
    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    /// An attribute as a tag, or `nil` (counted) for a value no tag can hold.
    static func tag(_ key: String, _ value: AttributeValue, dropped: inout [String: Int]) -> Tag? {
        switch value {
        case .text(let text) where !text.isEmpty: return Tag(key, text)
        case .text: return nil
        case .unsupported(let what):
            dropped["\(what) attribute", default: 0] += 1
            return nil
        }
    }

    enum AttributeValue {
        case text(String)
        case unsupported(String)
    }
}
