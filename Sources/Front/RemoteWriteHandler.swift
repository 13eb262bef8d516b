import ClusterClient
import ClusterCore
import HTTPTypes
import Hummingbird
import Ingest
import Snappy

extension FrontHandlers {
    /// `POST /api/v1/write`: Prometheus remote_write 1.0 (a snappy-compressed `WriteRequest`),
    /// expanded here and forwarded to a mapper, which reads it. Answers as Prometheus expects,
    /// so that it retries only what may succeed later: `204` when every sample is taken; `400`
    /// naming the first rejected series or sample (the others are taken; a retry could not
    /// change the answer); `413` over the body limits; `503` (retried) when no mapper answers.
    func remoteWrite(_ request: Request) async -> Response {
        let compressed: [UInt8]
        do {
            compressed = try await body(request)
        } catch {
            return Self.error(error)
        }
        let encoding = request.headers[.contentEncoding]?.lowercased()
        guard encoding == nil || encoding == "snappy" else {
            service.metrics.rejected("malformed")
            return Self.error(.unsupportedMediaType, "Content-Encoding '\(encoding!)' is not snappy; remote_write 1.0 bodies are snappy-compressed protobuf")
        }
        let limit = service.configuration.remoteWriteBytesMax
        let bytes: [UInt8]
        do {
            bytes = try Snappy.decompress(compressed, limit: limit)
        } catch .tooLarge(let declared, _) {
            return Self.error(.contentTooLarge, "the body expands to \(declared) bytes; at most \(limit) are taken per request: lower queue_config.max_samples_per_send")
        } catch {
            service.metrics.rejected("malformed")
            return Self.error(.badRequest, error.description)
        }
        let reply: IngestReply
        do {
            let batchID = UInt64.random(in: 1...UInt64.max)
            reply = try await service.ingest(idempotencyKey: try Self.idempotencyKey(request).get()) { key in
                LinesCall(format: .remoteWrite, batchID: batchID, producerKey: key, body: bytes)
            }
        } catch {
            return Self.error(error)
        }
        service.metrics.samplesAccepted.increment(by: Int64(reply.accepted))
        let badSeries = reply.badLines ?? 0
        guard reply.rejected > 0 || badSeries > 0 else { return Response(status: .noContent) }
        var message = "\(reply.rejected) samples rejected, \(reply.accepted) written"
        if let first = reply.errors.first { message += "; series \(first.index): \(first.error)" }
        if badSeries > 1 { message += " (and \(badSeries - 1) more rejected series)" }
        if let refusal = reply.refusal { message += "; " + refusal }
        return Self.error(.badRequest, message)
    }
}
