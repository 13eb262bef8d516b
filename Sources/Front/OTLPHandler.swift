import ClusterClient
import ClusterCore
import Codec
import HTTPTypes
import Hummingbird
import Ingest
import NIOCore
import Wire

extension FrontHandlers {
    /// `POST /opentelemetry/v1/metrics` (and `POST /v1/metrics` on the OTLP port): OTLP/HTTP
    /// metrics, protobuf (`application/x-protobuf`) or JSON (`application/json`). `200` with an
    /// `ExportMetricsServiceResponse` in the request's encoding, its `partial_success` counting
    /// the points rejected (and saying why); `400` for a body that is not a request; `503`
    /// (which exporters retry) when no mapper answers.
    func ingestOTLP(_ request: Request) async -> Response {
        let isJSON = request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true
        let bytes: [UInt8]
        do {
            bytes = try await body(request)
        } catch {
            return Self.error(error)
        }
        let parsed: OTLP.Parsed
        do {
            parsed = isJSON ? try OTLP.parse(json: bytes, validator: validator, now: WallClock.now())
                : try OTLP.parse(protobuf: bytes, validator: validator, now: WallClock.now())
        } catch {
            service.metrics.rejected("malformed")
            return Self.error(.badRequest, "not an OTLP ExportMetricsServiceRequest (\(isJSON ? "JSON" : "protobuf")): \(error)")
        }
        if let refusal = tooMany(parsed.samples.samples.count + parsed.samples.errors.count) { return refusal }
        var rejected = parsed.samples.errors.count
        var message = parsed.samples.errors.first.map { "\($0.error.message)" }
        if !parsed.samples.samples.isEmpty {
            var builder = SampleBatchBuilder(capacity: parsed.samples.samples.count)
            for sample in parsed.samples.samples { builder.append(sample) }
            do {
                let reply = try await service.ingest(builder.finish(id: UInt64.random(in: 1...UInt64.max)), idempotencyKey: try Self.idempotencyKey(request).get())
                rejected += reply.rejected
                if message == nil { message = reply.errors.first?.error }
                service.metrics.samplesAccepted.increment(by: Int64(reply.accepted))
            } catch {
                return Self.error(error)
            }
        }
        for error in parsed.samples.errors { service.metrics.rejected(error.error.reason.rawValue) }
        for (what, count) in parsed.dropped { service.metrics.otlpDropped(what, count: count) }
        let errorMessage = rejected > 0 ? "\(rejected) samples rejected: \(message ?? "")" : ""
        if isJSON {
            var json = JSONText()
            if rejected > 0 {
                json.raw("{\"partialSuccess\":{\"rejectedDataPoints\":\"\(rejected)\",\"errorMessage\":")
                json.string(errorMessage)
                json.raw("}}")
            } else {
                json.raw("{}")
            }
            return Self.json(.ok, json.text)
        }
        // ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1 { int64 rejected_data_points = 1; string error_message = 2; } }
        var partial = ByteWriter()
        if rejected > 0 {
            partial.append(UInt8(0x08))
            partial.appendVarint(UInt64(rejected))
            partial.append(UInt8(0x12))
            partial.appendVarint(UInt64(errorMessage.utf8.count))
            partial.append(bytes: Array(errorMessage.utf8))
        }
        var response = ByteWriter()
        if !partial.bytes.isEmpty {
            response.append(UInt8(0x0a))
            response.appendVarint(UInt64(partial.bytes.count))
            response.append(bytes: partial.bytes)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init(byteBuffer: ByteBuffer(bytes: response.bytes)))
    }
}
