import ClusterClient
import ClusterCore
import Foundation
import HTTPTypes
import Hummingbird
import Model
import PromQL
import Runtime

/// The Prometheus HTTP API (`/api/v1/...`), so that Grafana's Prometheus datasource, `promtool`
/// and Prometheus clients work unchanged: GET with a query string or POST with a form body,
/// Prometheus' result shapes and its error envelope
/// (`{"status":"error","errorType":"bad_data","error":"..."}`).
struct PrometheusAPI: Sendable {
    let service: FrontService
    var source: PrometheusSource { PrometheusSource(service: service) }

    static func add(to router: Router<some RequestContext>, service: FrontService) {
        let api = PrometheusAPI(service: service)
        for path in ["/api/v1/query_range", "/api/v1/query", "/api/v1/series", "/api/v1/labels", "/api/v1/metadata",
                     "/api/v1/status/buildinfo", "/api/v1/label/{name}/values"] {
            router.get(RouterPath(path)) { request, context in await api.answer(path, request, label: context.parameters.get("name")) }
            router.post(RouterPath(path)) { request, context in await api.answer(path, request, label: context.parameters.get("name")) }
        }
    }

    func answer(_ path: String, _ request: Request, label: String?) async -> Response {
        do {
            let form = try await Self.form(request, service: service)
            switch path {
            case "/api/v1/query_range": return try await queryRange(form)
            case "/api/v1/query": return try await query(form)
            case "/api/v1/series": return try await series(form)
            case "/api/v1/labels": return try await labels(form)
            case "/api/v1/metadata": return try await metadata(form)
            case "/api/v1/status/buildinfo":
                return Self.success("{\"version\":\"\(BuildInfo.version)\",\"revision\":\"\",\"branch\":\"\",\"buildUser\":\"windrow\",\"buildDate\":\"\",\"goVersion\":\"swift\(BuildInfo.swiftVersion)\"}")
            default: return try await labelValues(label ?? "", form)
            }
        } catch let error as PromQLError {
            service.metrics.rejectedQuery("bad_data")
            return Self.failure(.badRequest, "bad_data", error.description)
        } catch let error as FrontError {
            let type = error.status == 400 ? "bad_data" : error.status == 422 ? "execution" : "unavailable"
            service.metrics.rejectedQuery(type)
            return Self.failure(HTTPResponse.Status(code: error.status), type, error.description)
        } catch {
            return Self.failure(.internalServerError, "internal", "\(error)")
        }
    }

    // MARK: Queries

    func queryRange(_ form: Form) async throws -> Response {
        let expression = try Parser.parse(try form.required("query"))
        let start = try Self.time(form.required("start"), "start")
        let end = try Self.time(form.required("end"), "end")
        let step = try Self.duration(form.required("step"), "step")
        let times = try EvaluationTimes.range(start: start, end: end, step: step)
        let value = try await evaluate(expression, times)
        var json = JSONText(capacity: 4096)
        json.raw("{\"resultType\":\"matrix\",\"result\":[")
        switch value {
        case .scalar(let values):
            json.raw("{\"metric\":{},\"values\":[")
            for (index, number) in values.enumerated() {
                if index > 0 { json.raw(",") }
                Self.point(times.time(index), number, into: &json)
            }
            json.raw("]}")
        case .vector(let series):
            var first = true
            for item in Self.sorted(series) where item.values.contains(where: { $0 != nil }) {
                if !first { json.raw(",") }
                first = false
                json.raw("{\"metric\":")
                Self.labels(item.labels, into: &json)
                json.raw(",\"values\":[")
                var firstPoint = true
                for (index, number) in item.values.enumerated() {
                    guard let number else { continue }
                    if !firstPoint { json.raw(",") }
                    firstPoint = false
                    Self.point(times.time(index), number, into: &json)
                }
                json.raw("]}")
            }
        }
        json.raw("]}")
        return Self.success(json.text)
    }

    func query(_ form: Form) async throws -> Response {
        let expression = try Parser.parse(try form.required("query"))
        let time = try form["time"].map { try Self.time($0, "time") } ?? WallClock.now().nanoseconds / 1_000_000
        let times = try EvaluationTimes.instant(time)
        let value = try await evaluate(expression, times)
        var json = JSONText(capacity: 1024)
        switch value {
        case .scalar(let values):
            json.raw("{\"resultType\":\"scalar\",\"result\":")
            Self.point(time, values[0], into: &json)
            json.raw("}")
        case .vector(let series):
            json.raw("{\"resultType\":\"vector\",\"result\":[")
            var first = true
            for item in Self.sorted(series) {
                guard let number = item.values[0] else { continue }
                if !first { json.raw(",") }
                first = false
                json.raw("{\"metric\":")
                Self.labels(item.labels, into: &json)
                json.raw(",\"value\":")
                Self.point(time, number, into: &json)
                json.raw("}")
            }
            json.raw("]}")
        }
        return Self.success(json.text)
    }

    func evaluate(_ expression: PromQL.Expression, _ times: EvaluationTimes) async throws -> Value {
        guard let view = await service.clusterView() else { throw FrontError.unavailable("the coordinator has not answered yet") }
        let source = source
        return try await Evaluator(times: times, window: view.map.window.nanoseconds).evaluate(expression) { try await source.fetch($0, needsTypes: $0.needsTypes) }
    }

    // MARK: Metadata

    /// The selectors of `match[]`, each parsed and checked to be a bare selector.
    func selectors(_ form: Form, required: Bool) throws -> [Selector] {
        let texts = form.all("match[]")
        if required && texts.isEmpty { throw PromQLError("no match[] parameter provided") }
        return try texts.map { text throws -> Selector in
            guard case .selector(let selector) = try Parser.parse(text) else { throw PromQLError("match[] '\(text)' is not a series selector") }
            return selector
        }
    }

    func series(_ form: Form) async throws -> Response {
        var seen = Set<[String: String]>()
        var json = JSONText(capacity: 1024)
        json.raw("[")
        for selector in try selectors(form, required: true) {
            for labels in try await source.labelSets(selector) where seen.insert(labels).inserted {
                if seen.count > 1 { json.raw(",") }
                Self.labels(labels, into: &json)
            }
        }
        json.raw("]")
        return Self.success(json.text)
    }

    /// Every label set the `match[]` selectors read, or (without them) of every known name.
    func labelSets(_ form: Form) async throws -> [[String: String]] {
        var selectors = try selectors(form, required: false)
        if selectors.isEmpty { selectors = try await service.names(prefix: "").map { Selector(matchers: [Matcher("__name__", .equal, $0)]) } }
        var sets = [[String: String]]()
        for selector in selectors { sets += try await source.labelSets(selector) }
        return sets
    }

    func labels(_ form: Form) async throws -> Response {
        var names = Set(["__name__"])
        for labels in try await labelSets(form) { names.formUnion(labels.keys) }
        return Self.success(Self.stringArray(names.sorted()))
    }

    func labelValues(_ label: String, _ form: Form) async throws -> Response {
        if label == "__name__" && form.all("match[]").isEmpty { return Self.success(Self.stringArray(try await service.names(prefix: ""))) }
        let values = Set(try await labelSets(form).compactMap { $0[label] })
        return Self.success(Self.stringArray(values.sorted()))
    }

    func metadata(_ form: Form) async throws -> Response {
        var names = try await service.names(prefix: "")
        if let metric = form["metric"] { names = names.filter { $0 == metric } }
        if let limit = form["limit"].flatMap(Int.init), limit >= 0 { names = Array(names.prefix(limit)) }
        var json = JSONText(capacity: 1024)
        json.raw("{")
        for (position, name) in names.enumerated() {
            let type = try await service.series(named: name).first?.type ?? "gauge"
            if position > 0 { json.raw(",") }
            json.string(name)
            json.raw(":[{\"type\":")
            json.string(type == "timer" ? "summary" : type == "counter" ? "counter" : "gauge")
            json.raw(",\"help\":\"\",\"unit\":\"\"}]")
        }
        json.raw("}")
        return Self.success(json.text)
    }

    // MARK: Rendering

    static func success(_ data: String) -> Response {
        FrontHandlers.json(.ok, "{\"status\":\"success\",\"data\":" + data + "}")
    }

    static func failure(_ status: HTTPResponse.Status, _ type: String, _ message: String) -> Response {
        var json = JSONText()
        json.raw("{\"status\":\"error\",\"errorType\":")
        json.string(type)
        json.raw(",\"error\":")
        json.string(message)
        json.raw("}")
        return FrontHandlers.json(status, json.text)
    }

    static func sorted(_ series: [Value.Series]) -> [Value.Series] {
        series.sorted { $0.labels.sorted { $0.key < $1.key }.map { "\($0.key)\u{1}\($0.value)" }.joined(separator: "\u{2}")
            < $1.labels.sorted { $0.key < $1.key }.map { "\($0.key)\u{1}\($0.value)" }.joined(separator: "\u{2}") }
    }

    static func labels(_ labels: [String: String], into json: inout JSONText) {
        json.raw("{")
        for (position, (key, value)) in labels.sorted(by: { $0.key < $1.key }).enumerated() {
            if position > 0 { json.raw(",") }
            json.string(key)
            json.raw(":")
            json.string(value)
        }
        json.raw("}")
    }

    /// `[seconds, "value"]`, as Prometheus writes a point.
    static func point(_ milliseconds: Int64, _ value: Double, into json: inout JSONText) {
        json.raw("[")
        json.raw(milliseconds % 1000 == 0 ? String(milliseconds / 1000) : String(format: "%.3f", Double(milliseconds) / 1000))
        json.raw(",\"")
        json.raw(formatValue(value))
        json.raw("\"]")
    }

    /// A sample value as Prometheus spells it (Go's `FormatFloat(v, 'f', -1, 64)`): `NaN`,
    /// `+Inf`, `-Inf`, or the shortest digits that read back exactly, without an exponent.
    static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let shortest = "\(value)"
        guard let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(shortest[shortest.index(after: e)...]) else {
            return shortest
        }
        var mantissa = String(shortest[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        // The decimal point sits after `point` digits of `digits`.
        let point = parts[0].count + exponent
        var text: String
        if point <= 0 {
            text = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            text = digits + String(repeating: "0", count: point - digits.count)
        } else {
            text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return (negative ? "-" : "") + text
    }

    static func stringArray(_ values: [String]) -> String {
        var json = JSONText()
        json.raw("[")
        for (position, value) in values.enumerated() {
            if position > 0 { json.raw(",") }
            json.string(value)
        }
        json.raw("]")
        return json.text
    }

    // MARK: Parameters

    /// RFC 3339 or (fractional) Unix seconds, as Prometheus takes them: epoch milliseconds.
    static func time(_ text: String, _ field: String) throws(PromQLError) -> Int64 {
        if let seconds = Double(text), seconds.isFinite, abs(seconds) <= 5e9 { return Int64((seconds * 1000).rounded()) }
        if let timestamp = RFC3339.parse(text) { return timestamp.milliseconds }
        throw PromQLError("invalid parameter '\(field)': cannot parse \"\(text)\" to a valid timestamp")
    }

    /// Seconds (`15`, `0.5`) or a duration (`15s`, `1m`, `1h30m`): milliseconds.
    static func duration(_ text: String, _ field: String) throws(PromQLError) -> Int64 {
        if let seconds = Double(text), seconds.isFinite, abs(seconds) <= 1e10 { return Int64((seconds * 1000).rounded()) }
        do {
            guard case .range(_, _, let milliseconds, _) = try Parser.parse("last_over_time(x[\(text)])") else { throw PromQLError("") }
            return milliseconds
        } catch {
            throw PromQLError("invalid parameter '\(field)': cannot parse \"\(text)\" to a valid duration")
        }
    }

    /// The parameters of a request: its query string and, for a form POST, its body.
    struct Form {
        var pairs: [(String, String)]

        subscript(key: String) -> String? { pairs.first { $0.0 == key }?.1 }
        func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }

        func required(_ key: String) throws(PromQLError) -> String {
            guard let value = self[key], !value.isEmpty else { throw PromQLError("invalid parameter '\(key)': missing") }
            return value
        }
    }

    static func form(_ request: Request, service: FrontService) async throws -> Form {
        var pairs = decode(request.uri.query ?? "")
        if request.method == .post {
            let body = try await FrontHandlers(service: service).body(request)
            pairs += decode(String(decoding: body, as: UTF8.self))
        }
        return Form(pairs: pairs)
    }

    /// `a=1&b=x+y`: percent-decoded pairs, `+` as a space.
    static func decode(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func clean(_ part: Substring) -> String { String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part) }
            guard let key = parts.first else { return nil }
            return (clean(key), parts.count > 1 ? clean(parts[1]) : "")
        }
    }
}
