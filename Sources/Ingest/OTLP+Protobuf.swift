import Codec
import Model

extension OTLP {
    /// Decodes a protobuf `ExportMetricsServiceRequest`; a body that is not one is refused whole.
    public static func parse(protobuf body: [UInt8], validator: SampleValidator, now: Timestamp) throws(DecodeError) -> Parsed {
        var decoder = ProtobufDecoder()
        let decoded = body.withUnsafeBytes { raw in Result { () throws(DecodeError) in try decoder.request(ProtobufReader(raw)) } }
        return samples(try decoded.get(), validator: validator, now: now, dropped: decoder.dropped)
    }
}

/// The OTLP messages' fields (opentelemetry/proto/metrics/v1/metrics.proto, common/v1/common.proto).
private struct ProtobufDecoder {
    var dropped = [String: Int]()

    mutating func request(_ message: ProtobufReader) throws(DecodeError) -> [(tags: [Tag], metrics: [OTLP.Metric])] {
        var reader = message
        var resources = [(tags: [Tag], metrics: [OTLP.Metric])]()
        while !reader.atEnd {
            let field = try reader.field()
            guard field.number == 1, field.type == .lengthDelimited else { try reader.skip(field.type); continue }
            // ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
            var resourceMetrics = reader.message(try reader.lengthDelimited())
            var tags = [Tag]()
            var metrics = [OTLP.Metric]()
            while !resourceMetrics.atEnd {
                let inner = try resourceMetrics.field()
                switch (inner.number, inner.type) {
                case (1, .lengthDelimited):
                    var resource = resourceMetrics.message(try resourceMetrics.lengthDelimited())
                    while !resource.atEnd {
                        let part = try resource.field()
                        if part.number == 1, part.type == .lengthDelimited {
                            if let tag = try attribute(resource.message(try resource.lengthDelimited())) { tags.append(tag) }
                        } else {
                            try resource.skip(part.type)
                        }
                    }
                case (2, .lengthDelimited):
                    // ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
                    var scope = resourceMetrics.message(try resourceMetrics.lengthDelimited())
                    while !scope.atEnd {
                        let part = try scope.field()
                        if part.number == 2, part.type == .lengthDelimited {
                            metrics.append(try metric(scope.message(try scope.lengthDelimited())))
                        } else {
                            try scope.skip(part.type)
                        }
                    }
                default:
                    try resourceMetrics.skip(inner.type)
                }
            }
            resources.append((tags, metrics))
        }
        return resources
    }

    /// `Metric { name = 1; gauge = 5; sum = 7; histogram = 9; exponential_histogram = 10; summary = 11; }`
    mutating func metric(_ message: ProtobufReader) throws(DecodeError) -> OTLP.Metric {
        var reader = message
        var metric = OTLP.Metric()
        while !reader.atEnd {
            let field = try reader.field()
            switch (field.number, field.type) {
            case (1, .lengthDelimited):
                metric.name = reader.string(try reader.lengthDelimited()) ?? ""
            case (5, .lengthDelimited), (7, .lengthDelimited), (9, .lengthDelimited), (10, .lengthDelimited), (11, .lengthDelimited):
                let kinds: [Int: OTLP.Kind] = [5: .gauge, 7: .sum, 9: .histogram, 10: .exponentialHistogram, 11: .summary]
                metric.kind = kinds[field.number]
                // { repeated points = 1; aggregation_temporality = 2; is_monotonic = 3 }
                var data = reader.message(try reader.lengthDelimited())
                while !data.atEnd {
                    let part = try data.field()
                    switch (part.number, part.type) {
                    case (1, .lengthDelimited): metric.points.append(try point(data.message(try data.lengthDelimited()), kind: metric.kind!))
                    case (2, .varint): metric.temporality = Int(try data.varint())
                    default: try data.skip(part.type)
                    }
                }
            default:
                try reader.skip(field.type)
            }
        }
        return metric
    }

    /// Number (attributes 7, time 3, as_double 4, as_int 6), histogram (attributes 9, count 4,
    /// sum 5, bucket_counts 6, explicit_bounds 7, min 11, max 12), exponential histogram
    /// (attributes 1, count 4, sum 5, min 12, max 13) and summary (attributes 7, count 4, sum 5,
    /// quantile_values 6) data points.
    mutating func point(_ message: ProtobufReader, kind: OTLP.Kind) throws(DecodeError) -> OTLP.Point {
        var reader = message
        var point = OTLP.Point()
        // proto3 writes no field holding its default: a histogram's or summary's count of 0 (and
        // a summary's sum of 0) has none. A histogram's sum is optional (absent: not recorded).
        if kind != .gauge && kind != .sum { point.count = 0 }
        if kind == .summary { point.sum = 0 }
        let attributes: Int = switch kind {
        case .gauge, .sum, .summary: 7
        case .histogram: 9
        case .exponentialHistogram: 1
        }
        while !reader.atEnd {
            let field = try reader.field()
            switch (kind, field.number, field.type) {
            case (_, attributes, .lengthDelimited):
                if let tag = try attribute(reader.message(try reader.lengthDelimited())) { point.attributes.append(tag) }
            case (_, 3, .fixed64): point.time = Int64(bitPattern: try reader.fixed64())
            case (.gauge, 4, .fixed64), (.sum, 4, .fixed64): point.value = try reader.double()
            case (.gauge, 6, .fixed64), (.sum, 6, .fixed64): point.value = Double(Int64(bitPattern: try reader.fixed64()))
            case (.histogram, 4, .fixed64), (.exponentialHistogram, 4, .fixed64), (.summary, 4, .fixed64):
                point.count = Double(try reader.fixed64())
            case (.histogram, 5, .fixed64), (.exponentialHistogram, 5, .fixed64), (.summary, 5, .fixed64): point.sum = try reader.double()
            case (.histogram, 11, .fixed64), (.exponentialHistogram, 12, .fixed64): point.min = try reader.double()
            case (.histogram, 12, .fixed64), (.exponentialHistogram, 13, .fixed64): point.max = try reader.double()
            case (.histogram, 6, .lengthDelimited):
                var packed = reader.message(try reader.lengthDelimited())
                while !packed.atEnd { point.bucketCounts.append(Double(try packed.fixed64())) }
            case (.histogram, 6, .fixed64): point.bucketCounts.append(Double(try reader.fixed64()))
            case (.histogram, 7, .lengthDelimited):
                var packed = reader.message(try reader.lengthDelimited())
                while !packed.atEnd { point.bounds.append(try packed.double()) }
            case (.histogram, 7, .fixed64): point.bounds.append(try reader.double())
            case (.summary, 6, .lengthDelimited):
                var pair = reader.message(try reader.lengthDelimited())
                var quantile = 0.0
                var value = 0.0
                while !pair.atEnd {
                    let part = try pair.field()
                    switch (part.number, part.type) {
                    case (1, .fixed64): quantile = try pair.double()
                    case (2, .fixed64): value = try pair.double()
                    default: try pair.skip(part.type)
                    }
                }
                point.quantiles.append((quantile, value))
            default:
                try reader.skip(field.type)
            }
        }
        return point
    }

    /// `KeyValue { string key = 1; AnyValue value = 2; }`, `AnyValue { string_value = 1;
    /// bool_value = 2; int_value = 3; double_value = 4; array_value = 5; kvlist_value = 6; bytes_value = 7; }`.
    mutating func attribute(_ message: ProtobufReader) throws(DecodeError) -> Tag? {
        var reader = message
        var key = ""
        var value = OTLP.AttributeValue.text("")
        while !reader.atEnd {
            let field = try reader.field()
            switch (field.number, field.type) {
            case (1, .lengthDelimited): key = reader.string(try reader.lengthDelimited()) ?? ""
            case (2, .lengthDelimited):
                var any = reader.message(try reader.lengthDelimited())
                while !any.atEnd {
                    let part = try any.field()
                    switch (part.number, part.type) {
                    case (1, .lengthDelimited): value = .text(any.string(try any.lengthDelimited()) ?? "")
                    case (2, .varint): value = .text(try any.varint() != 0 ? "true" : "false")
                    case (3, .varint): value = .text(String(Int64(bitPattern: try any.varint())))
                    case (4, .fixed64): value = .text(OTLP.text(try any.double()))
                    case (5, _): try any.skip(part.type); value = .unsupported("array")
                    case (6, _): try any.skip(part.type); value = .unsupported("map")
                    case (7, _): try any.skip(part.type); value = .unsupported("bytes")
                    default: try any.skip(part.type)
                    }
                }
            default:
                try reader.skip(field.type)
            }
        }
        return OTLP.tag(key, value, dropped: &dropped)
    }
}
