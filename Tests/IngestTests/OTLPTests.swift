import Codec
@testable import Ingest
import Model
import Testing

/// OTLP requests written field by field from metrics.proto (`ProtobufWriter` of RemoteWriteTests).
@Suite struct OTLPTests {
    let now = Timestamp(milliseconds: 1_767_225_600_000)!

    func fixed64(_ number: Int, _ value: UInt64, into writer: inout ProtobufWriter) {
        writer.key(number, 1)
        withUnsafeBytes(of: value.littleEndian) { writer.bytes += $0 }
    }

    func attribute(_ key: String, _ value: String) -> [UInt8] {
        var any = ProtobufWriter()
        any.string(1, value)
        var pair = ProtobufWriter()
        pair.string(1, key)
        pair.message(2, any.bytes)
        return pair.bytes
    }

    func request() -> [UInt8] {
        let time = UInt64(now.nanoseconds)
        // Gauge { NumberDataPoint { attributes 7, time 3, as_double 4 } } and one with as_int 6.
        var gaugePoint = ProtobufWriter()
        gaugePoint.message(7, attribute("room", "a"))
        fixed64(3, time, into: &gaugePoint)
        gaugePoint.double(4, 21.5)
        var intPoint = ProtobufWriter()
        fixed64(3, time + 1_000_000_000, into: &intPoint)
        fixed64(6, UInt64(bitPattern: -3), into: &intPoint)
        var gauge = ProtobufWriter()
        gauge.message(1, gaugePoint.bytes)
        gauge.message(1, intPoint.bytes)
        var gaugeMetric = ProtobufWriter()
        gaugeMetric.string(1, "temperature")
        gaugeMetric.message(5, gauge.bytes)
        // Sum, delta: { points 1, temporality 2 = 1 }.
        var sumPoint = ProtobufWriter()
        fixed64(3, time, into: &sumPoint)
        sumPoint.double(4, 7)
        var sum = ProtobufWriter()
        sum.message(1, sumPoint.bytes)
        sum.key(2, 0)
        sum.varint(1)
        var sumMetric = ProtobufWriter()
        sumMetric.string(1, "requests")
        sumMetric.message(7, sum.bytes)
        // Histogram, cumulative: count 4, sum 5, bucket_counts 6 (packed), explicit_bounds 7 (packed), min 11, max 12; attributes 9.
        var histogramPoint = ProtobufWriter()
        histogramPoint.message(9, attribute("route", "/a"))
        fixed64(3, time, into: &histogramPoint)
        fixed64(4, 6, into: &histogramPoint)
        histogramPoint.double(5, 42)
        var counts = ProtobufWriter()
        for count: UInt64 in [1, 0, 5] { withUnsafeBytes(of: count.littleEndian) { counts.bytes += $0 } }
        histogramPoint.message(6, counts.bytes)
        var bounds = ProtobufWriter()
        for bound in [1.5, 10.0] { withUnsafeBytes(of: bound.bitPattern.littleEndian) { bounds.bytes += $0 } }
        histogramPoint.message(7, bounds.bytes)
        histogramPoint.double(11, 0.5)
        histogramPoint.double(12, 20)
        var histogram = ProtobufWriter()
        histogram.message(1, histogramPoint.bytes)
        histogram.key(2, 0)
        histogram.varint(2)
        var histogramMetric = ProtobufWriter()
        histogramMetric.string(1, "latency")
        histogramMetric.message(9, histogram.bytes)
        // Summary { count 4 (0: left out), sum 5, quantile_values 6 }.
        var quantile = ProtobufWriter()
        quantile.double(1, 0.99)
        quantile.double(2, 4)
        var summaryPoint = ProtobufWriter()
        fixed64(3, time, into: &summaryPoint)
        summaryPoint.message(6, quantile.bytes)
        var summary = ProtobufWriter()
        summary.message(1, summaryPoint.bytes)
        var summaryMetric = ProtobufWriter()
        summaryMetric.string(1, "rpc")
        summaryMetric.message(11, summary.bytes)

        var scope = ProtobufWriter()
        for metric in [gaugeMetric, sumMetric, histogramMetric, summaryMetric] { scope.message(2, metric.bytes) }
        var resource = ProtobufWriter()
        resource.message(1, attribute("service.name", "svc"))
        resource.message(1, attribute("room", "resource-loses"))  // a point's own room wins
        var resourceMetrics = ProtobufWriter()
        resourceMetrics.message(1, resource.bytes)
        resourceMetrics.message(2, scope.bytes)
        var request = ProtobufWriter()
        request.message(1, resourceMetrics.bytes)
        return request.bytes
    }

    @Test func everyKindBecomesTheSamplesTheDocumentNames() throws {
        let parsed = try OTLP.parse(protobuf: request(), validator: SampleValidator(), now: now)
        #expect(parsed.samples.errors.isEmpty)
        let got = parsed.samples.samples.map { "\($0.name)\($0.series.tags.map { ",\($0.key)=\($0.value)" }.joined()) \($0.type) \($0.value)" }
        // The resource's `room` applies where a point has none of its own.
        #expect(got == [
            "temperature,room=a,service.name=svc gauge 21.5",
            "temperature,room=resource-loses,service.name=svc gauge -3.0",
            "requests,room=resource-loses,service.name=svc counter 7.0",
            "latency.count,room=resource-loses,route=/a,service.name=svc gauge 6.0",
            "latency.sum,room=resource-loses,route=/a,service.name=svc gauge 42.0",
            "latency.min,room=resource-loses,route=/a,service.name=svc gauge 0.5",
            "latency.max,room=resource-loses,route=/a,service.name=svc gauge 20.0",
            "latency.bucket,le=1.5,room=resource-loses,route=/a,service.name=svc gauge 1.0",
            "latency.bucket,le=10,room=resource-loses,route=/a,service.name=svc gauge 1.0",
            "latency.bucket,le=+Inf,room=resource-loses,route=/a,service.name=svc gauge 6.0",
            "rpc.count,room=resource-loses,service.name=svc gauge 0.0",
            "rpc.sum,room=resource-loses,service.name=svc gauge 0.0",
            "rpc,quantile=0.99,room=resource-loses,service.name=svc gauge 4.0",
        ])
        #expect(parsed.samples.samples[1].timestamp == Timestamp(nanoseconds: now.nanoseconds + 1_000_000_000))
        #expect(parsed.points == 5)
    }

    @Test func jsonAndProtobufAgree() throws {
        let json = #"""
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}},{"key":"n","value":{"intValue":"7"}},{"key":"l","value":{"arrayValue":{"values":[]}}}]},
             "scopeMetrics":[{"metrics":[{"name":"requests","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[{"asDouble":7,"timeUnixNano":"1767225600000000000"}]}},
                                         {"name":"bad name","gauge":{"dataPoints":[{"asDouble":1}]}}]}]}]}
            """#
        let parsed = try OTLP.parse(json: Array(json.utf8), validator: SampleValidator(), now: now)
        #expect(parsed.samples.samples.map(\.name) == ["requests"])
        #expect(parsed.samples.samples.first?.type == .counter && parsed.samples.samples.first?.series.tags == [Tag("n", "7"), Tag("service.name", "svc")])
        #expect(parsed.samples.errors.map(\.error.reason) == [.invalidName])
        #expect(parsed.dropped == ["array attribute": 1])
        #expect(throws: DecodeError.self) { try OTLP.parse(protobuf: Array(request().dropLast(2)), validator: SampleValidator(), now: now) }
    }
}
