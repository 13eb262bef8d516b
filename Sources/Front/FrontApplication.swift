import Auth
import ClusterClient
import ClusterCore
import Foundation
import HTTPTypes
import Hummingbird
import Ingest
import Model
import NIOCore
import Prometheus
import Runtime
import Wire
import Zlib

/// The HTTP face of the cluster (DESIGN.md, "External contract").
public enum FrontApplication {
    public static func make(service: FrontService, registry: PrometheusCollectorRegistry, tokens: Tokens) -> some ApplicationProtocol {
        let assets = WebAssets(dygraphsDirectory: service.configuration.dygraphsDirectory, logger: service.logger)
        let router = Router()
        router.add(middleware: HTTPMetricsMiddleware(registry: registry))
        router.add(middleware: JSONErrorMiddleware { service.metrics.unknownRoutes.increment() })
        router.add(middleware: AuthMiddleware(tokens: tokens))
        StatusRoutes.add(to: router, registry: registry, ready: { service.isReady },
                         refresh: { service.metrics.callsInFlight.set(Double(service.client.callsInFlight)) })
        let handlers = FrontHandlers(service: service)
        router.post("/v1/metrics") { request, _ in await handlers.ingestJSON(request) }
        router.post("/write") { request, _ in await handlers.ingestLines(request) }
        router.post("/api/v2/write") { request, _ in await handlers.ingestLines(request) }
        router.post("/api/v1/write") { request, _ in await handlers.remoteWrite(request) }
        router.post("/opentelemetry/v1/metrics") { request, _ in await handlers.ingestOTLP(request) }
        // InfluxDB clients and agents check for a server with `/ping` before writing.
        router.get("/ping") { _, _ in Response(status: .noContent, headers: [FrontHandlers.influxVersion: "1.8-windrow"]) }
        router.get("/api/v2/ping") { _, _ in Response(status: .noContent, headers: [FrontHandlers.influxVersion: "2.7-windrow"]) }
        // InfluxDB 2.x clients' `health()`.
        router.get("/health") { _, _ in
            var response = FrontHandlers.json(service.isReady ? .ok : .serviceUnavailable, """
                {"name":"windrow","message":"\(service.isReady ? "ready for queries and writes" : "not ready")",\
                "status":"\(service.isReady ? "pass" : "fail")","checks":[],"version":"\(BuildInfo.version)","commit":""}
                """)
            response.headers[FrontHandlers.influxVersion] = "2.7-windrow"
            return response
        }
        // ... and may create their database first.
        router.get("/query") { request, _ in await handlers.influxQuery(request) }
        router.post("/query") { request, _ in await handlers.influxQuery(request) }
        router.get("/v1/query") { request, _ in await handlers.query(request) }
        router.get("/v1/metrics") { request, _ in await handlers.names(request) }
        PrometheusAPI.add(to: router, service: service)
        router.get("/v1/cluster") { _, _ in await handlers.cluster() }
        router.get("/v1/cluster/targets") { _, _ in await handlers.targets() }
        router.post("/v1/cluster/drain") { request, _ in await handlers.drain(request) }
        router.post("/v1/cluster/reducers") { request, _ in await handlers.scale(request) }
        let stream = StreamHandler(service: service, streamsMax: service.configuration.streamsMax)
        router.get("/v1/stream") { request, _ in await stream.handle(request) }
        assets.add(to: router)
        let configuration = service.configuration
        return Application(router: router, configuration: .init(address: .hostname(configuration.host, port: configuration.httpPort), serverName: "windrow"))
    }
}

extension FrontApplication {
    /// The OTLP/HTTP port's server: `POST /v1/metrics` (OTLP's standard path), with the same
    /// tokens as the front's port.
    public static func otlp(service: FrontService, registry: PrometheusCollectorRegistry, tokens: Tokens, port: Int) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: HTTPMetricsMiddleware(registry: registry))
        router.add(middleware: JSONErrorMiddleware { service.metrics.unknownRoutes.increment() })
        router.add(middleware: AuthMiddleware(tokens: tokens, writePaths: ["/v1/metrics"]))
        let handlers = FrontHandlers(service: service)
        router.post("/v1/metrics") { request, _ in await handlers.ingestOTLP(request) }
        return Application(router: router, configuration: .init(address: .hostname(service.configuration.host, port: port), serverName: "windrow-otlp"))
    }
}

/// The route handlers; each answers JSON and turns every failure into a status and a message.
struct FrontHandlers: Sendable {
    /// The header InfluxDB clients read from `/ping`.
    static let influxVersion = HTTPField.Name("X-Influxdb-Version")!
    let service: FrontService
    var validator: SampleValidator { SampleValidator(limits: service.configuration.validation) }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var text = JSONText()
        text.raw("{\"error\":")
        text.string(message)
        text.raw("}")
        return json(status, text.text)
    }

    static func error(_ failure: FrontError) -> Response {
        guard let key = failure.idempotencyKey else { return error(HTTPResponse.Status(code: failure.status), failure.description) }
        var text = JSONText()
        text.raw("{\"error\":")
        text.string(failure.description)
        text.raw(",\"idempotency_key\":")
        text.string(key)
        text.raw("}")
        var response = json(HTTPResponse.Status(code: failure.status), text.text)
        response.headers[.idempotencyKey] = key
        return response
    }

    /// The client's `Idempotency-Key`, when it sent a usable one.
    static func idempotencyKey(_ request: Request) -> Result<String?, FrontError> {
        guard let key = request.headers[.idempotencyKey] else { return .success(nil) }
        guard !key.isEmpty, key.utf8.count <= 128, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            return .failure(.badRequest("Idempotency-Key must be 1 to 128 printable ASCII characters without spaces"))
        }
        return .success(key)
    }

    /// The request body (gunzipped when `Content-Encoding: gzip`), at most the body limit.
    func body(_ request: Request) async throws(FrontError) -> [UInt8] {
        let limit = service.configuration.bodyBytesMax
        do {
            var buffer = try await request.body.collect(upTo: limit)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            guard request.headers[.contentEncoding]?.lowercased() == "gzip" else { return bytes }
            do {
                return try Gzip.decompress(bytes, limit: limit)
            } catch .tooLarge {
                throw FrontError(status: 413, description: "request body expands beyond the limit of \(limit) bytes")
            } catch {
                throw FrontError.badRequest(error.description)
            }
        } catch let error as FrontError {
            throw error
        } catch is NIOTooManyBytesError {
            throw FrontError(status: 413, description: "request body exceeds the limit of \(service.configuration.bodyBytesMax) bytes")
        } catch {
            throw FrontError.badRequest("cannot read the request body: \(error)")
        }
    }

    /// `413` when a request holds more samples than one request may (nothing of it is taken).
    func tooMany(_ count: Int, _ what: String = "samples") -> Response? {
        let limit = service.configuration.requestSamplesMax
        guard count > limit else { return nil }
        service.metrics.rejected("request_too_large", count: count)
        return Self.error(.contentTooLarge, "the request holds \(count) \(what); at most \(limit) are taken per request: split it")
    }

    /// `POST /v1/metrics`: `202` with counts when any item is valid, `400` when none is.
    func ingestJSON(_ request: Request) async -> Response {
        let bytes: [UInt8]
        do {
            bytes = try await body(request)
        } catch {
            return Self.error(error)
        }
        var unit: EpochUnit? = nil
        if let precision = request.uri.queryParameters.get("precision") {
            guard let declared = EpochUnit(precision: precision) else {
                service.metrics.rejected("malformed")
                return Self.error(.badRequest, "precision '\(precision)' must be s, ms, us or ns (the unit of numeric timestamps)")
            }
            unit = declared
        }
        let parsed: ParsedSamples
        do {
            parsed = try JSONIngest.parse(bytes, validator: validator, now: WallClock.now(), unit: unit)
        } catch {
            service.metrics.rejected("malformed")
            return Self.error(.badRequest, error.description)
        }
        if let refusal = tooMany(parsed.samples.count + parsed.errors.count) { return refusal }
        var errors = parsed.errors.map { (index: $0.index, reason: $0.error.reason.rawValue, message: $0.error.message) }
        var accepted = 0
        if !parsed.samples.isEmpty {
            var builder = SampleBatchBuilder(capacity: parsed.samples.count)
            for sample in parsed.samples { builder.append(sample) }
            do {
                let reply = try await service.ingest(builder.finish(id: UInt64.random(in: 1...UInt64.max)), idempotencyKey: try Self.idempotencyKey(request).get())
                accepted = reply.accepted
                errors += reply.errors.map { (index: parsed.indices[$0.index], reason: $0.reason, message: $0.error) }
            } catch {
                return Self.error(error)
            }
        }
        for error in parsed.errors { service.metrics.rejected(error.error.reason.rawValue) }
        service.metrics.samplesAccepted.increment(by: Int64(accepted))
        errors.sort { $0.index < $1.index }
        var json = JSONText()
        json.raw("{\"accepted\":\(accepted),\"rejected\":\(errors.count),\"errors\":[")
        for (position, error) in errors.enumerated() {
            if position > 0 { json.raw(",") }
            json.raw("{\"index\":\(error.index),\"reason\":")
            json.string(error.reason)
            json.raw(",\"error\":")
            json.string(error.message)
            json.raw("}")
        }
        json.raw("]}")
        return Self.json(accepted > 0 || errors.isEmpty ? .accepted : .badRequest, json.text)
    }

    /// `POST /write` and `POST /api/v2/write`: InfluxDB line protocol, forwarded as it came to a
    /// mapper, which parses it. `204` when every line is taken; `400 {"error": "line N: ..."}`
    /// naming the first bad line (the good ones still taken) or the samples a series limit refused.
    func ingestLines(_ request: Request) async -> Response {
        let bytes: [UInt8]
        do {
            bytes = try await body(request)
        } catch {
            return Self.error(error)
        }
        let precisionText = request.uri.queryParameters.get("precision")
        guard let precision = LineProtocol.Precision(precisionText) else {
            return Self.error(.badRequest, "precision '\(precisionText ?? "")' must be ns, us, ms, s, m or h")
        }
        if let refusal = tooMany(LineProtocol.lineCount(bytes), "lines") { return refusal }
        let reply: IngestReply
        do {
            let batchID = UInt64.random(in: 1...UInt64.max)
            reply = try await service.ingest(idempotencyKey: try Self.idempotencyKey(request).get()) { key in
                LinesCall(batchID: batchID, producerKey: key, precision: precision, body: bytes)
            }
        } catch {
            return Self.error(error)
        }
        service.metrics.samplesAccepted.increment(by: Int64(reply.accepted))
        let refusal = reply.rejected > 0
            ? "\(reply.rejected) of \(reply.accepted + reply.rejected) samples refused: \(reply.refusal ?? "refused by the mapper")" : nil
        let badLines = reply.badLines ?? 0
        guard let first = reply.errors.first, badLines > 0 else {
            return refusal.map { Self.error(.badRequest, $0) } ?? Response(status: .noContent)
        }
        let lines = reply.lines ?? 0
        let more = badLines > 1 ? " (and \(badLines - 1) more bad lines)" : ""
        return Self.error(.badRequest, "line \(first.index): \(first.error)\(more); \(lines - badLines) of \(lines) lines written"
                            + (refusal.map { "; " + $0 } ?? ""))
    }

    /// `GET /v1/query`.
    func query(_ request: Request) async -> Response {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            service.metrics.querySeconds.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        guard let view = await service.clusterView() else { return Self.error(.serviceUnavailable, "the coordinator has not answered yet") }
        let parameters: QueryParameters
        switch queryParameters(request, view: view) {
        case .success(let parsed): parameters = parsed
        case .failure(let refusal): return refusal.response
        }
        do {
            let answers = try await service.query(parameters)
            return Self.json(.ok, QueryRenderer.render(parameters, answers: answers, finality: Finality(view)))
        } catch {
            return Self.error(error)
        }
    }

    /// The query string of `GET /v1/query` or `/v1/stream` (with `defaults` for fields it
    /// leaves out), or the `400` that names the bad parameter, counted.
    func queryParameters(_ request: Request, view: ClusterView, defaults: [String: String] = [:]) -> Result<QueryParameters, Refusal> {
        var fields = defaults
        for (key, value) in request.uri.queryParameters { fields[String(key)] = String(value) }
        do {
            return .success(try QueryParameters(fields, window: view.map.window, now: WallClock.now()))
        } catch {
            service.metrics.badQueries.increment()
            return .failure(Refusal(response: Self.error(error)))
        }
    }

    /// A request answered with an error before any work.
    struct Refusal: Error {
        let response: Response
    }

    /// `GET /v1/metrics?prefix=`: `{"names": [...]}`.
    func names(_ request: Request) async -> Response {
        let prefix = request.uri.queryParameters.get("prefix") ?? ""
        do {
            let names = try await service.names(prefix: prefix)
            var json = JSONText()
            json.raw("{\"names\":[")
            for (position, name) in names.enumerated() {
                if position > 0 { json.raw(",") }
                json.string(name)
            }
            json.raw("]}")
            return Self.json(.ok, json.text)
        } catch {
            return Self.error(error)
        }
    }

    /// `GET|POST /query`: InfluxDB clients' database setup (see `InfluxQuery`); `q` in the query
    /// string or in a form body.
    func influxQuery(_ request: Request) async -> Response {
        var text = request.uri.queryParameters.get("q")
        if text == nil, let body = try? await body(request) {
            let form = String(decoding: body, as: UTF8.self)
            for pair in form.split(separator: "&") where pair.hasPrefix("q=") {
                text = String(pair.dropFirst(2)).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
        }
        let (status, json) = InfluxQuery.answer(text ?? "")
        var response = Self.json(HTTPResponse.Status(code: status), json)
        response.headers[Self.influxVersion] = "1.8-windrow"
        return response
    }

    /// `GET /v1/cluster`: the coordinator's view (membership, map, watermark, figures).
    func cluster() async -> Response {
        guard let view = await service.clusterView() else { return Self.error(.serviceUnavailable, "the coordinator has not answered yet") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = (try? encoder.encode(ClusterSummary(view))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return Self.json(.ok, text)
    }
}

extension FrontHandlers {
    /// `POST /v1/cluster/drain?node=ID`: the reducer gives its partitions away, then leaves.
    func drain(_ request: Request) async -> Response {
        guard let node = request.uri.queryParameters.get("node"), !node.isEmpty else {
            return Self.error(.badRequest, "name the reducer to drain: ?node=ID (ids are on GET /v1/cluster)")
        }
        do {
            return Self.membership(try await service.drain(node: node))
        } catch {
            return Self.error(error)
        }
    }

    /// `POST /v1/cluster/reducers` with `{"count": N}`: grow or shrink the reducers by handover.
    func scale(_ request: Request) async -> Response {
        struct Body: Decodable { var count: Int }
        guard let bytes = try? await body(request), let asked = try? JSONDecoder().decode(Body.self, from: Data(bytes)) else {
            return Self.error(.badRequest, "the body must be JSON {\"count\": N} with N the number of reducers wanted")
        }
        do {
            return Self.membership(try await service.scale(reducers: asked.count))
        } catch {
            return Self.error(error)
        }
    }

    static func membership(_ reply: MembershipReply) -> Response {
        var text = JSONText()
        text.raw("{\"message\":")
        text.string(reply.message)
        text.raw(",\"draining\":[")
        for (position, id) in reply.draining.enumerated() {
            if position > 0 { text.raw(",") }
            text.string(id)
        }
        text.raw("]}")
        return json(.accepted, text.text)
    }

    /// `GET /v1/cluster/targets`: every live node's status server in Prometheus' `http_sd` format,
    /// `[{"targets": ["host:port"], "labels": {"job": "windrow", "role": ..., "node": ...}}]`.
    func targets() async -> Response {
        guard let view = await service.clusterView() else { return Self.error(.serviceUnavailable, "the coordinator has not answered yet") }
        var json = JSONText()
        json.raw("[")
        var first = true
        for node in view.nodes where node.alive {
            guard let url = node.report.endpoints["http"], let address = URLComponents(string: url).flatMap({ parts in
                parts.host.map { host in parts.port.map { "\(host):\($0)" } ?? host }
            }) else { continue }
            if !first { json.raw(",") }
            first = false
            json.raw("{\"targets\":[")
            json.string(address)
            json.raw("],\"labels\":{\"job\":\"windrow\",\"role\":")
            json.string(node.report.role.rawValue)
            json.raw(",\"node\":")
            json.string(node.report.id)
            json.raw(",\"__metrics_path__\":\"/metrics\",\"__scheme__\":")
            json.string(url.hasPrefix("https") ? "https" : "http")
            json.raw("}}")
        }
        json.raw("]")
        return Self.json(.ok, json.text)
    }
}

/// `GET /v1/cluster`'s shape.
struct ClusterSummary: Encodable {
    struct Node: Encodable {
        var id: String
        var role: String
        var alive: Bool
        var lastSeenMs: Int64
        var endpoints: [String: String]
        var ordinal: Int?
        var watermark: Int64?
        var figures: [String: Double]
        /// A reducer's measured load per partition (samples and rows per second).
        var partitionLoad: [PartitionLoad]?
    }

    /// How evenly the measured load is spread over the live reducers.
    struct Balance: Encodable {
        struct Move: Encodable {
            var partition: Int
            var from: String
            var to: String
        }

        var imbalance: Double
        var imbalanceAfter: Double
        var hotPartitions: [Int]
        var proposedMoves: [Move]
    }

    /// A hot partition split by series.
    struct Split: Encodable {
        var partition: Int
        /// The reducers taking its pieces, the owner first.
        var pieces: [String]
    }

    /// The handover under way.
    struct Running: Encodable {
        var id: UInt64
        var phase: String
        var reason: String
        var moves: [Balance.Move]
        /// The splits once it completes.
        var splits: [Split]
        var waitsFor: [String]
        /// Epoch milliseconds.
        var startedAt: Int64
    }

    var mapVersion: UInt64
    var partitions: Int
    var reducers: [String?]
    /// The owning reducer's slot in `reducers`, by partition.
    var owners: [Int]
    /// Completed handovers so far.
    var epoch: UInt64
    var splits: [Split]
    var handover: Running?
    var lastHandover: HandoverOutcome?
    var draining: [String]
    var desiredReducers: Int?
    var windowMs: Int64
    var sketchAccuracy: Double
    /// Epoch milliseconds.
    var watermark: Int64?
    var nodes: [Node]
    var balance: Balance?

    init(_ view: ClusterView) {
        mapVersion = view.map.version
        partitions = view.map.partitionCount
        reducers = view.map.reducers.map { $0?.id }
        owners = view.map.owners
        epoch = view.map.epoch
        let map = view.map
        let named = { (split: PartitionSplit) in Split(partition: split.partition, pieces: split.pieces.map { map.reducers[$0]?.id ?? "" }) }
        splits = map.splits.map(named)
        handover = view.map.handover.map {
            Running(id: $0.id, phase: $0.phase.rawValue, reason: $0.reason,
                    moves: $0.moves.map { Balance.Move(partition: $0.partition, from: $0.from, to: $0.to) },
                    splits: ($0.splits ?? []).map(named),
                    waitsFor: view.handoverWaitsFor ?? [], startedAt: $0.startedAt / 1_000_000)
        }
        lastHandover = view.lastHandover
        draining = view.draining ?? []
        desiredReducers = view.desiredReducers
        windowMs = view.map.windowNanoseconds / 1_000_000
        sketchAccuracy = view.map.sketchAccuracy
        watermark = view.watermark.map { $0 / 1_000_000 }
        nodes = view.nodes.map {
            Node(id: $0.report.id, role: $0.report.role.rawValue, alive: $0.alive, lastSeenMs: $0.lastSeenMs,
                 endpoints: $0.report.endpoints, ordinal: $0.report.ordinal, watermark: $0.report.watermark.map { $0 / 1_000_000 },
                 figures: $0.report.figures, partitionLoad: $0.report.partitionLoad)
        }
        let reducers = reducers
        balance = view.balance.map { plan in
            Balance(imbalance: plan.imbalance, imbalanceAfter: plan.imbalanceAfter, hotPartitions: plan.hotPartitions,
                    proposedMoves: plan.moves.map { Balance.Move(partition: $0.partition, from: reducers[$0.from] ?? "", to: reducers[$0.to] ?? "") })
        }
    }
}

extension HTTPField.Name {
    /// Names a request so that a retry is answered, not counted again.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
