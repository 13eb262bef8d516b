import Model

/// statsd lines (`name:value|type[|@rate][|#tag:value,...]`), several per packet separated by
/// newlines, as sent by statsd and DogStatsD clients.
///
/// - `c` counter: stored as `value / rate` (a counter sampled at `@0.5` counts twice), type counter;
///   `sum` and `rate` are then the count and the count per second.
/// - `g` gauge: stored as sent; `+N` / `-N` is a delta from the last gauge value this node saw
///   for the series (0 if none); `avg`, `last`, `min`, `max` read it.
/// - `ms` and `h` timer/histogram: stored as sent, type timer; quantiles read them.
/// - `s` (sets) and anything else are rejected.
public enum Statsd {
    /// One parsed statsd metric.
    public struct Metric: Sendable, Equatable {
        public var sample: Sample
        /// A gauge given as `+N` / `-N`: `sample.value` is the delta.
        public var isGaugeDelta: Bool
    }

    /// Parses one packet; returns the metrics and the rejected lines with their reasons.
    public static func parse(_ packet: [UInt8], validator: SampleValidator) -> (metrics: [Metric], errors: [ValidationError]) {
        var metrics = [Metric]()
        var errors = [ValidationError]()
        for line in packet.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            var text = String(decoding: line, as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { continue }
            do {
                let metric = try parseLine(text)
                try validator.validate(name: metric.sample.name)
                try validator.validate(value: metric.sample.value)
                try validator.validate(tags: metric.sample.tags)
                metrics.append(metric)
            } catch {
                errors.append(error)
            }
        }
        return (metrics, errors)
    }

    static func parseLine(_ line: String) throws(ValidationError) -> Metric {
        // The value follows the last ':' before the first '|' (names may hold ':' too).
        guard let firstBar = line.firstIndex(of: "|"), let colon = line[..<firstBar].lastIndex(of: ":") else {
            throw ValidationError(.malformed, "statsd line '\(line.prefix(80))' is not name:value|type")
        }
        let name = String(line[..<colon])
        let valueText = String(line[line.index(after: colon)..<firstBar])
        var sections = line[line.index(after: firstBar)...].split(separator: "|", omittingEmptySubsequences: false)
        guard !sections.isEmpty else { throw ValidationError(.malformed, "statsd line '\(line.prefix(80))' has no type") }
        let kind = sections.removeFirst()
        var rate = 1.0
        var tags = [Tag]()
        for section in sections {
            if section.hasPrefix("@") {
                guard let parsed = Double(section.dropFirst()), parsed > 0, parsed <= 1 else {
                    throw ValidationError(.malformed, "sample rate '\(section)' must be in (0, 1]")
                }
                rate = parsed
            } else if section.hasPrefix("#") {
                for pair in section.dropFirst().split(separator: ",") {
                    if let separator = pair.firstIndex(of: ":") {
                        tags.append(Tag(String(pair[..<separator]), String(pair[pair.index(after: separator)...])))
                    } else {
                        tags.append(Tag(String(pair), "true"))
                    }
                }
            }
        }
        let isDelta = kind == "g" && (valueText.hasPrefix("+") || valueText.hasPrefix("-"))
        guard let value = Double(isDelta && valueText.hasPrefix("+") ? String(valueText.dropFirst()) : valueText) else {
            throw ValidationError(.malformed, "statsd value '\(valueText)' of '\(name)' is not a number")
        }
        let type: MetricType
        var stored = value
        switch kind {
        case "c":
            type = .counter
            stored = value / rate
        case "g":
            type = .gauge
        case "ms", "h":
            type = .timer
        default:
            throw ValidationError(.invalidType, "statsd type '\(kind)' of '\(name)' is not supported (c, g, ms, h)")
        }
        return Metric(sample: Sample(name: name, value: stored, timestamp: nil, tags: tags, type: type), isGaugeDelta: isDelta)
    }
}
