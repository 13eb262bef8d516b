import Aggregation
import ClusterCore
import Model

/// How buckets without samples are listed.
public enum Fill: String, Sendable {
    /// Only buckets with samples.
    case none
    /// Every bucket of the range; empty ones as `null`.
    case null
    /// Every bucket of the range; empty ones as `0`.
    case zero
}

/// A parsed `GET /v1/query`.
public struct QueryParameters: Sendable {
    public var spec: QuerySpec
    public var step: Step
    public var stats: [Stat]
    public var fill: Fill

    /// Parses the query string's fields, checking each with a message that names it.
    public init(_ fields: [String: String], window: Step) throws(FrontError) {
        guard let name = fields["name"], !name.isEmpty else { throw .badRequest("missing parameter 'name'") }
        guard let fromText = fields["from"] else { throw .badRequest("missing parameter 'from' (RFC 3339 or epoch milliseconds)") }
        guard let toText = fields["to"] else { throw .badRequest("missing parameter 'to' (RFC 3339 or epoch milliseconds)") }
        let from = try Self.time(fromText, "from")
        let to = try Self.time(toText, "to")
        guard from < to else { throw .badRequest("'from' (\(from)) must be before 'to' (\(to))") }
        do {
            step = try Step(parsing: fields["step"] ?? window.description)
        } catch {
            throw .badRequest("parameter 'step': \(error)")
        }
        guard step.isMultiple(of: window) else {
            throw .badRequest("step \(step) is not a multiple of the base window \(window)")
        }
        let buckets = (to.nanoseconds - from.nanoseconds) / step.nanoseconds
        guard buckets <= 1_000_000 else { throw .badRequest("the range holds \(buckets) steps of \(step); the limit is 1000000") }
        do {
            stats = try (fields["stats"] ?? "avg").split(separator: ",").map { try Stat(parsing: $0.trimmingCharacters()) }
        } catch {
            throw .badRequest("parameter 'stats': \(error)")
        }
        guard !stats.isEmpty else { throw .badRequest("parameter 'stats' is empty") }
        var tags = [Tag]()
        for pair in (fields["tags"] ?? "").split(separator: ",") where !pair.isEmpty {
            guard let colon = pair.firstIndex(of: ":"), colon != pair.startIndex, colon != pair.index(before: pair.endIndex) else {
                throw .badRequest("parameter 'tags': '\(pair)' is not key:value")
            }
            tags.append(Tag(String(pair[..<colon]), String(pair[pair.index(after: colon)...])))
        }
        let groupBy = (fields["group_by"] ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
        guard let fill = Fill(rawValue: fields["fill"] ?? "none") else {
            throw .badRequest("parameter 'fill' must be none, null or zero")
        }
        self.fill = fill
        spec = QuerySpec(name: name, from: from.nanoseconds, to: to.nanoseconds, step: step.nanoseconds, tags: tags, groupBy: groupBy,
                         stats: stats.map(\.description))
    }

    /// RFC 3339, or (signed) epoch milliseconds.
    static func time(_ text: String, _ field: String) throws(FrontError) -> Timestamp {
        if let timestamp = RFC3339.parse(text) { return timestamp }
        if let milliseconds = Int64(text), let timestamp = Timestamp(milliseconds: milliseconds) { return timestamp }
        throw .badRequest("parameter '\(field)' = '\(text)' is neither RFC 3339 (2026-01-01T00:00:00Z) nor epoch milliseconds")
    }
}

extension Substring {
    func trimmingCharacters() -> Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
