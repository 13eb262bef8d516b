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
    /// Throws only when the body is not JSON at all. A numeric timestamp is in `unit` (the
    /// request's `precision`); without one it is epoch milliseconds, and one that reads as a
    /// date before 1973 is refused as epoch seconds (`TimeExpression`).
    public static func parse(_ body: [UInt8], validator: SampleValidator, now: Timestamp, unit: EpochUnit? = nil) throws(JSONSyntaxError) -> ParsedSamples {
        let root = try JSONParser.parse(body)
        let items: [JSONValue]
        if case .array(let elements) = root { items = elements } else { items = [root] }
        var result = ParsedSamples()
        result.samples.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                let sample = try sample(from: item, unit: unit)
                try validator.validate(sample, now: now)
                result.samples.append(sample)
                result.indices.append(index)
            } catch {
                result.errors.append((index, error))
            }
        }
        return result
    }

    static func sample(from item: JSONValue, unit: EpochUnit? = nil) throws(ValidationError) -> Sample {
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
            if let timestamp = RFC3339.parse(text) {
                sample.timestamp = timestamp
            } else if let number = Int64(text) {
                sample.timestamp = try epoch(number, unit: unit)
            } else {
                throw ValidationError(.malformed, "\"timestamp\" '\(text)' is neither RFC 3339 nor epoch milliseconds")
            }
        case .number(let number, let integer)?:
            if let integer {
                sample.timestamp = try epoch(integer, unit: unit)
            } else {
                let scale = (unit ?? .milliseconds).nanoseconds
                guard number.isFinite, abs(number * Double(scale)) < 9.2e18 else {
                    throw ValidationError(.timestampInFuture, "\"timestamp\" \(number) is outside the supported range")
                }
                if unit == nil, number > 0, number < Double(TimeExpression.secondsCutoffMilliseconds) {
                    throw ValidationError(.timestampInSeconds, "\"timestamp\" \(number): " + TimeExpression.secondsMessage(Int64(number)))
                }
                // Whole units and the fraction apart: a product in nanoseconds would lose the
                // fraction's last digits to the double's 53 bits.
                let whole = number.rounded(.down)
                sample.timestamp = Timestamp(nanoseconds: Int64(whole) * scale + Int64(((number - whole) * Double(scale)).rounded()))
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

    /// A whole-number timestamp in `unit`, or milliseconds checked for epoch seconds.
    static func epoch(_ number: Int64, unit: EpochUnit?) throws(ValidationError) -> Timestamp {
        do {
            return try TimeExpression.epoch(number, unit: unit)
        } catch {
            throw ValidationError(error.looksLikeSeconds ? .timestampInSeconds : .timestampInFuture, "\"timestamp\" \(number): \(error.problem)")
        }
    }
}
