import ClusterCore
import Foundation
import Model
import PromQL

/// Reads what PromQL selectors ask of the cluster: a selector's names (given, or matched by a
/// `__name__` regex), each name's series from the reducer owning it, filtered by the matchers
/// (an absent label reads as the empty string; regexes are anchored), and their buckets.
struct PrometheusSource: Sendable {
    let service: FrontService

    /// The names a selector reads.
    func names(_ selector: Selector) async throws(FrontError) -> [String] {
        if let name = selector.name { return [name] }
        let matchers = try Self.compiled(selector.matchers.filter { $0.label == "__name__" })
        return try await service.names(prefix: "").filter { name in matchers.allSatisfy { $0.matches(name) } }
    }

    /// The series of `name` that `selector` matches.
    func series(_ selector: Selector, name: String) async throws(FrontError) -> [SeriesListing] {
        let matchers = try Self.compiled(selector.matchers.filter { $0.label != "__name__" })
        return try await service.series(named: name).filter { Self.matches($0.tags, matchers) }
    }

    static func matches(_ tags: [Tag], _ matchers: [CompiledMatcher]) -> Bool {
        matchers.allSatisfy { matcher in matcher.matches(tags.first { $0.key == matcher.label }?.value ?? "") }
    }

    /// Every series of every name `selector` reads, with its labels (`__name__` included).
    func labelSets(_ selector: Selector) async throws(FrontError) -> [[String: String]] {
        var sets = [[String: String]]()
        for name in try await names(selector) {
            for listing in try await series(selector, name: name) {
                var labels = ["__name__": name]
                for tag in listing.tags { labels[tag.key] = tag.value }
                sets.append(labels)
            }
        }
        return sets
    }

    /// The buckets of every series `fetch.selector` matches: one query per name answering each
    /// series on its own (the reducer filters the equality matchers, the front the others).
    /// Only `rate` and `increase` ask the series' types, which say whether a series counts
    /// increments (Windrow's `counter`) or a cumulative total.
    func fetch(_ fetch: Fetch, needsTypes: Bool) async throws -> [FetchedSeries] {
        var result = [FetchedSeries]()
        let others = try Self.compiled(fetch.selector.matchers.filter { $0.label != "__name__" && !($0.op == .equal && !$0.value.isEmpty) })
        for name in try await names(fetch.selector) {
            let equal = fetch.selector.matchers.filter { $0.label != "__name__" && $0.op == .equal && !$0.value.isEmpty }
            let spec = QuerySpec(name: name, from: fetch.from, to: fetch.to, step: fetch.step, tags: equal.map { Tag($0.label, $0.value) },
                                 stats: fetch.stats.map(\.description), perSeries: true, offset: fetch.offset == 0 ? nil : fetch.offset)
            let answer = try await service.query(spec)
            var deltas = Set<[Tag]>()
            if needsTypes {
                deltas = Set(try await service.series(named: name).filter { $0.type == MetricType.counter.description }.map(\.tags))
            }
            for group in answer.groups where Self.matches(group.key.tags, others) {
                var labels = ["__name__": name]
                for tag in group.key.tags { labels[tag.key] = tag.value }
                result.append(FetchedSeries(labels: labels, isDelta: deltas.contains(group.key.tags), starts: group.starts, columns: group.columns))
            }
        }
        return result
    }

    /// A matcher with its regex compiled (anchored at both ends, as Prometheus anchors them).
    struct CompiledMatcher {
        let label: String
        let op: Matcher.Op
        let value: String
        let regex: NSRegularExpression?

        func matches(_ text: String) -> Bool {
            switch op {
            case .equal: return text == value
            case .notEqual: return text != value
            case .matches, .notMatches:
                let range = NSRange(text.startIndex..., in: text)
                let found = regex!.firstMatch(in: text, options: [], range: range) != nil
                return op == .matches ? found : !found
            }
        }
    }

    static func compiled(_ matchers: [Matcher]) throws(FrontError) -> [CompiledMatcher] {
        var result = [CompiledMatcher]()
        for matcher in matchers {
            var regex: NSRegularExpression?
            if matcher.op == .matches || matcher.op == .notMatches {
                do {
                    regex = try NSRegularExpression(pattern: "^(?:" + matcher.value + ")$", options: [])
                } catch {
                    throw FrontError.badRequest("invalid regular expression '\(matcher.value)' for label \(matcher.label)")
                }
            }
            result.append(CompiledMatcher(label: matcher.label, op: matcher.op, value: matcher.value, regex: regex))
        }
        return result
    }
}
