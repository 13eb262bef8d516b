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

/// A parsed `GET /v1/query` (and `GET /v1/stream`).
public struct QueryParameters: Sendable {
    /// The query of one name; `spec.name` is the pattern's text (see `named(_:)`).
    public var spec: QuerySpec
    /// The name, or a glob over names.
    public var pattern: NamePattern
    public var step: Step
    public var stats: [Stat]
    public var fill: Fill

    /// The time forms `from` and `to` take, for messages.
    static let timeForms = "RFC 3339, a date, epoch milliseconds, now, now-1h or -1h"

    /// Parses the query string's fields, checking each with a message that names it; `now`
    /// resolves relative times.
    public init(_ fields: [String: String], window: Step, now: Timestamp) throws(FrontError) {
        guard let name = fields["name"], !name.isEmpty else { throw .badRequest("missing parameter 'name'") }
        do {
            pattern = try NamePattern(name)
        } catch {
            throw .badRequest("parameter 'name': \(error.message)")
        }
        guard let fromText = fields["from"] else { throw .badRequest("missing parameter 'from' (\(Self.timeForms))") }
        guard let toText = fields["to"] else { throw .badRequest("missing parameter 'to' (\(Self.timeForms))") }
        var unit: EpochUnit? = nil
        if let precision = fields["precision"] {
            guard let declared = EpochUnit(precision: precision) else {
                throw .badRequest("parameter 'precision' = '\(precision)' must be s, ms, us or ns (the unit of epoch numbers in from and to)")
            }
            unit = declared
        }
        let from = try Self.time(fromText, "from", now: now, unit: unit)
        let to = try Self.time(toText, "to", now: now, unit: unit)
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

    /// One time parameter in any of `TimeExpression`'s forms.
    static func time(_ text: String, _ field: String, now: Timestamp, unit: EpochUnit?) throws(FrontError) -> Timestamp {
        do {
            return try TimeExpression.parse(text, now: now, unit: unit)
        } catch {
            throw .badRequest("parameter '\(field)' = \(error)")
        }
    }

    /// The same query for one name that the pattern matched.
    public func named(_ name: String) -> QuerySpec {
        var spec = spec
        spec.name = name
        return spec
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
