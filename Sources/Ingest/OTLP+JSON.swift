import Model

extension OTLP {
    /// Decodes the JSON form of `ExportMetricsServiceRequest` (OTLP/HTTP's `application/json`:
    /// lowerCamelCase fields, 64-bit integers as strings or numbers, enums as integers).
    public static func parse(json body: [UInt8], validator: SampleValidator, now: Timestamp) throws(JSONSyntaxError) -> Parsed {
        let root = try JSONParser.parse(body)
        var dropped = [String: Int]()
        var resources = [(tags: [Tag], metrics: [OTLP.Metric])]()
        for resourceMetrics in root["resourceMetrics"]?.elements ?? [] {
            let tags = (resourceMetrics["resource"]?["attributes"]?.elements ?? []).compactMap { attribute($0, &dropped) }
            var metrics = [OTLP.Metric]()
            for scope in resourceMetrics["scopeMetrics"]?.elements ?? [] {
                for item in scope["metrics"]?.elements ?? [] {
                    var metric = OTLP.Metric()
                    metric.name = item["name"]?.text ?? ""
                    for (key, kind) in [("gauge", Kind.gauge), ("sum", .sum), ("histogram", .histogram),
                                        ("exponentialHistogram", .exponentialHistogram), ("summary", .summary)] {
                        guard let data = item[key] else { continue }
                        metric.kind = kind
                        metric.temporality = Int(data["aggregationTemporality"]?.number ?? 0)
                        metric.points = (data["dataPoints"]?.elements ?? []).map { point($0, &dropped) }
                    }
                    metrics.append(metric)
                }
            }
            resources.append((tags, metrics))
        }
        return samples(resources, validator: validator, now: now, dropped: dropped)
    }

    static func point(_ item: JSONValue, _ dropped: inout [String: Int]) -> Point {
        var point = Point()
        point.attributes = (item["attributes"]?.elements ?? []).compactMap { attribute($0, &dropped) }
        point.time = item["timeUnixNano"]?.integer ?? 0
        point.value = item["asDouble"]?.number ?? item["asInt"]?.number
        point.count = item["count"]?.number
        point.sum = item["sum"]?.number
        point.min = item["min"]?.number
        point.max = item["max"]?.number
        point.bucketCounts = (item["bucketCounts"]?.elements ?? []).compactMap(\.number)
        point.bounds = (item["explicitBounds"]?.elements ?? []).compactMap(\.number)
        point.quantiles = (item["quantileValues"]?.elements ?? []).map { ($0["quantile"]?.number ?? 0, $0["value"]?.number ?? 0) }
        return point
    }

    static func attribute(_ item: JSONValue, _ dropped: inout [String: Int]) -> Tag? {
        let key = item["key"]?.text ?? ""
        let any = item["value"]
        let value: AttributeValue
        if let text = any?["stringValue"]?.text {
            value = .text(text)
        } else if case .bool(let flag)? = any?["boolValue"] {
            value = .text(flag ? "true" : "false")
        } else if let integer = any?["intValue"]?.integer {
            value = .text(String(integer))
        } else if let number = any?["doubleValue"]?.number {
            value = .text(text(number))
        } else if any?["arrayValue"] != nil {
            value = .unsupported("array")
        } else if any?["kvlistValue"] != nil {
            value = .unsupported("map")
        } else if any?["bytesValue"] != nil {
            value = .unsupported("bytes")
        } else {
            value = .text("")
        }
        return tag(key, value, dropped: &dropped)
    }
}

extension JSONValue {
    var elements: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
    var text: String? { if case .string(let text) = self { text } else { nil } }

    /// A number, or a string holding one (OTLP's JSON writes 64-bit integers as strings).
    var number: Double? {
        switch self {
        case .number(let value, _): value
        case .string(let text): Double(text)
        default: nil
        }
    }

    /// An exact 64-bit integer, from a number or a string.
    var integer: Int64? {
        switch self {
        case .number(let value, let integer): integer ?? (value == value.rounded() && abs(value) < 9e18 ? Int64(value) : nil)
        case .string(let text): Int64(text) ?? UInt64(text).map { Int64(bitPattern: $0) }
        default: nil
        }
    }
}
