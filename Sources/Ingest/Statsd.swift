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
        for var line in packet.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard !line.isEmpty else { continue }
            do {
                let metric = try parseLine(line)
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

    /// One line, read as bytes (statsd's separators are ASCII; names and tags become strings once).
    static func parseLine(_ line: ArraySlice<UInt8>) throws(ValidationError) -> Metric {
        func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        // The value follows the last ':' before the first '|' (names may hold ':' too).
        guard let firstBar = line.firstIndex(of: UInt8(ascii: "|")), let colon = line[..<firstBar].lastIndex(of: UInt8(ascii: ":")) else {
            throw ValidationError(.malformed, "statsd line '\(text(line.prefix(80)))' is not name:value|type")
        }
        let name = text(line[..<colon])
        let valueBytes = line[(colon + 1)..<firstBar]
        let sections = line[(firstBar + 1)...].split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
        guard let kind = sections.first else { throw ValidationError(.malformed, "statsd line '\(text(line.prefix(80)))' has no type") }
        var rate = 1.0
        var tags = [Tag]()
        for section in sections.dropFirst() {
            if section.first == UInt8(ascii: "@") {
                guard let parsed = Double(text(section.dropFirst())), parsed > 0, parsed <= 1 else {
                    throw ValidationError(.malformed, "sample rate '\(text(section))' must be in (0, 1]")
                }
                rate = parsed
            } else if section.first == UInt8(ascii: "#") {
                for pair in section.dropFirst().split(separator: UInt8(ascii: ",")) {
                    if let separator = pair.firstIndex(of: UInt8(ascii: ":")) {
                        tags.append(Tag(text(pair[..<separator]), text(pair[(separator + 1)...])))
                    } else {
                        tags.append(Tag(text(pair), "true"))
                    }
                }
            }
        }
        let sign = valueBytes.first
        let isDelta = kind.elementsEqual([UInt8(ascii: "g")]) && (sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"))
        guard let value = Double(text(isDelta && sign == UInt8(ascii: "+") ? valueBytes.dropFirst() : valueBytes)) else {
            throw ValidationError(.malformed, "statsd value '\(text(valueBytes))' of '\(name)' is not a number")
        }
        let type: MetricType
        var stored = value
        switch text(kind) {
        case "c":
            type = .counter
            stored = value / rate
        case "g":
            type = .gauge
        case "ms", "h":
            type = .timer
        default:
            throw ValidationError(.invalidType, "statsd type '\(text(kind))' of '\(name)' is not supported (c, g, ms, h)")
        }
        return Metric(sample: Sample(name: name, value: stored, timestamp: nil, tags: tags, type: type), isGaugeDelta: isDelta)
    }
}
