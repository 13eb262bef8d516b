import Model

/// Samples parsed from a request, each with its position, and the items that were rejected.
public struct ParsedSamples: Sendable {
    public var samples: [Sample] = []
    /// Position of each sample in the request.
    public var indices: [Int] = []
    public var errors: [(index: Int, error: ValidationError)] = []
    public init() {}
}

/// `POST /v1/metrics` bodies: one object or an array of objects
/// `{"name", "value", "timestamp"?, "tags"?, "type"?}` (DESIGN.md, "External contract").
public enum JSONIngest {
    /// Parses and validates every item; invalid items are reported by index, valid ones kept.
    /// Throws only when the body is not JSON at all.
    public static func parse(_ body: [UInt8], validator: SampleValidator, now: Timestamp) throws(JSONSyntaxError) -> ParsedSamples {
        let root = try JSONParser.parse(body)
        let items: [JSONValue]
        if case .array(let elements) = root { items = elements } else { items = [root] }
        var result = ParsedSamples()
        result.samples.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                let sample = try sample(from: item)
                try validator.validate(sample, now: now)
                result.samples.append(sample)
                result.indices.append(index)
            } catch {
                result.errors.append((index, error))
            }
        }
        return result
    }

    static func sample(from item: JSONValue) throws(ValidationError) -> Sample {
        guard case .object = item else { throw ValidationError(.malformed, "item is \(item.kind); want an object with name and value") }
        guard case .string(let name)? = item["name"] else {
            throw ValidationError(.invalidName, item["name"] == nil ? "missing \"name\"" : "\"name\" is \(item["name"]!.kind); want a string")
        }
        guard case .number(let value, _)? = item["value"] else {
            throw ValidationError(.malformed, item["value"] == nil ? "missing \"value\"" : "\"value\" is \(item["value"]!.kind); want a number")
        }
        var sample = Sample(name: name, value: value)
        switch item["timestamp"] {
        case nil, .null?:
            break
        case .string(let text)?:
            guard let timestamp = RFC3339.parse(text) ?? Int64(text).flatMap(Timestamp.init(milliseconds:)) else {
                throw ValidationError(.malformed, "\"timestamp\" '\(text)' is neither RFC 3339 nor epoch milliseconds")
            }
            sample.timestamp = timestamp
        case .number(let milliseconds, let integer)?:
            if let integer, let timestamp = Timestamp(milliseconds: integer) {
                sample.timestamp = timestamp
            } else if milliseconds.isFinite, abs(milliseconds) < 9.2e12 {
                sample.timestamp = Timestamp(nanoseconds: Int64((milliseconds * 1e6).rounded()))
            } else {
                throw ValidationError(.timestampInFuture, "\"timestamp\" \(milliseconds) ms is outside the supported range")
            }
        case let other?:
            throw ValidationError(.malformed, "\"timestamp\" is \(other.kind); want an RFC 3339 string or epoch milliseconds")
        }
        switch item["tags"] {
        case nil, .null?:
            break
        case .object(let members)?:
            var tags = [Tag]()
            for (key, value) in members {
                guard case .string(let text) = value else {
                    throw ValidationError(.invalidTag, "tag '\(key)' is \(value.kind); want a string")
                }
                tags.append(Tag(key, text))
            }
            sample.tags = tags
        case let other?:
            throw ValidationError(.invalidTag, "\"tags\" is \(other.kind); want an object of strings")
        }
        switch item["type"] {
        case nil, .null?:
            break
        case .string(let text)?:
            guard let type = MetricType(name: text) else {
                throw ValidationError(.invalidType, "\"type\" '\(text)' is not gauge, counter or timer")
            }
            sample.type = type
        case let other?:
            throw ValidationError(.invalidType, "\"type\" is \(other.kind); want \"gauge\", \"counter\" or \"timer\"")
        }
        return sample
    }
}
