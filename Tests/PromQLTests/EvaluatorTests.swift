import Aggregation
import Foundation
import PromQL
import Testing
import TestSupport

/// Evaluates expressions over buckets computed here from raw samples (what a reducer would
/// answer), and compares with references computed straight from the samples of `[t − r, t)`.
@Suite struct EvaluatorTests {
    static let minute: Int64 = 60_000_000_000
    typealias Raw = (labels: [String: String], samples: [(ms: Int64, value: Double)], isDelta: Bool)

    /// The series: a gauge per host, and a counter with two resets.
    static func data() -> [Raw] {
        var random = SeededGenerator(seed: 99)
        let base: Int64 = 1_767_225_600_000
        var series = [Raw]()
        for host in ["a", "b", "c"] {
            let samples = (0..<400).map { i in (ms: base + Int64(i) * 9_000 + Int64.random(in: 0..<9_000, using: &random), value: Double(Int.random(in: -500...500, using: &random)) / 4) }
            series.append((["__name__": "g", "host": host, "dc": host == "c" ? "x" : "y"], samples, false))
        }
        var total = 0.0
        let counter = (0..<400).map { i -> (ms: Int64, value: Double) in
            if i == 120 || i == 290 { total = 0 }
            total += Double(Int.random(in: 0...20, using: &random))
            return (base + Int64(i) * 9_000 + 500, total)
        }
        series.append((["__name__": "c", "host": "a"], counter, false))
        let deltas = (0..<400).map { i in (ms: base + Int64(i) * 9_000 + 700, value: Double(i % 7)) }
        series.append((["__name__": "d", "host": "a"], deltas, true))
        return series
    }

    /// Buckets of `fetch` from raw samples: the stats a reducer answers.
    static func fetch(_ fetch: Fetch, _ data: [Raw]) -> [FetchedSeries] {
        data.filter { $0.labels["__name__"] == fetch.selector.name }.compactMap { raw in
            for matcher in fetch.selector.matchers where matcher.label != "__name__" {
                let value = raw.labels[matcher.label] ?? ""
                switch matcher.op {
                case .equal: if value != matcher.value { return nil }
                case .notEqual: if value == matcher.value { return nil }
                case .matches: if value.range(of: "^(?:\(matcher.value))$", options: .regularExpression) == nil { return nil }
                case .notMatches: if value.range(of: "^(?:\(matcher.value))$", options: .regularExpression) != nil { return nil }
                }
            }
            var buckets = [Int64: [(ms: Int64, value: Double)]]()
            for sample in raw.samples {
                let ns = sample.ms * 1_000_000
                guard ns >= fetch.from, ns < fetch.to else { continue }
                let start = (ns - fetch.offset).floorDivided(by: fetch.step) * fetch.step + fetch.offset
                buckets[start, default: []].append(sample)
            }
            let starts = buckets.keys.sorted()
            let columns = fetch.stats.map { stat in
                starts.map { start -> Double in
                    let samples = buckets[start]!.sorted { $0.ms < $1.ms }
                    let values = samples.map(\.value)
                    switch stat {
                    case .sum: return Exact.sum(values)
                    case .count: return Double(values.count)
                    case .min: return values.min()!
                    case .max: return values.max()!
                    case .first: return samples.first!.value
                    case .last: return samples.last!.value
                    case .stddev:
                        let mean = Exact.sum(values) / Double(values.count)
                        return (Exact.sum(values.map { ($0 - mean) * ($0 - mean) }) / Double(values.count)).squareRoot()
                    case .quantile(let q): return Datasets.exactQuantile(q, sorted: values.sorted())
                    default: return .nan
                    }
                }
            }
            return FetchedSeries(labels: raw.labels, isDelta: raw.isDelta, starts: starts, columns: columns)
        }
    }

    func evaluate(_ text: String, _ times: EvaluationTimes) async throws -> Value {
        let data = Self.data()
        return try await Evaluator(times: times, window: Self.minute).evaluate(try Parser.parse(text)) { Self.fetch($0, data) }
    }

    static func window(_ raw: Raw, _ t: Int64, _ range: Int64) -> [(ms: Int64, value: Double)] {
        let end = t.floorDivided(by: 60_000) * 60_000
        let rounded = (range + 59_999) / 60_000 * 60_000
        return raw.samples.filter { $0.ms >= end - rounded && $0.ms < end }
    }

    static func series(_ value: Value, _ labels: [String: String]) -> [Double?] {
        guard case .vector(let all) = value else { return [] }
        return all.first { $0.labels == labels }?.values ?? []
    }

    @Test func overTimeFunctionsMatchTheSamplesOfEachRange() async throws {
        let data = Self.data()
        let start: Int64 = 1_767_225_600_000 + 1_800_000
        let grids = [try EvaluationTimes.range(start: start, end: start + 1_800_000, step: 300_000),  // step a multiple of the window
                     try EvaluationTimes.range(start: start + 7_000, end: start + 1_200_000, step: 45_000),  // not aligned, sub-window step
                     try EvaluationTimes.instant(start + 1_234_567)]
        for times in grids {
            for (function, range, reference) in [
                ("avg_over_time", Int64(600_000), { (v: [Double]) in Exact.sum(v) / Double(v.count) }),
                ("max_over_time", 420_000, { $0.max()! }), ("min_over_time", 90_000, { $0.min()! }),
                ("sum_over_time", 900_000, { Exact.sum($0) }), ("count_over_time", 300_000, { Double($0.count) }),
                ("stddev_over_time", 600_000, { v in
                    let mean = Exact.sum(v) / Double(v.count)
                    return (Exact.sum(v.map { ($0 - mean) * ($0 - mean) }) / Double(v.count)).squareRoot()
                }),
            ] {
                let value = try await evaluate("\(function)(g{host=~\"a|b\"}[\(range / 1000)s])", times)
                for raw in data.prefix(2) {
                    var labels = raw.labels
                    labels["__name__"] = nil
                    let got = Self.series(value, labels)
                    #expect(got.count == times.count)
                    for (point, answer) in got.enumerated() {
                        let want = Self.window(raw, times.time(point), range).map(\.value)
                        let expected = want.isEmpty ? nil : reference(want)
                        let close = answer.map { a in expected.map { abs(a - $0) <= 1e-9 * max(1, abs($0)) } ?? false } ?? (expected == nil)
                        #expect(close, "\(function)[\(range)] at \(times.time(point)): \(String(describing: answer)) vs \(String(describing: expected))")
                    }
                }
            }
        }
        // A bare selector is the last sample within the five minutes before, and keeps the name.
        let bare = try await evaluate("g{host=\"c\"}", grids[0])
        for (point, answer) in Self.series(bare, data[2].labels).enumerated() {
            #expect(answer == Self.window(data[2], grids[0].time(point), 300_000).last?.value)
        }
    }

    @Test func increaseAcrossResetsAndDeltaCounters() async throws {
        let data = Self.data()
        let start: Int64 = 1_767_225_600_000 + 600_000
        let times = try EvaluationTimes.range(start: start, end: start + 3_000_000, step: 600_000)
        let increase = Self.series(try await evaluate("increase(c[10m])", times), ["host": "a"])
        let samples = data[3].samples
        for (point, answer) in increase.enumerated() {
            let t = times.time(point)
            var want = 0.0
            for index in samples.indices.dropFirst() where samples[index].ms >= t - 600_000 && samples[index].ms < t {
                let (before, now) = (samples[index - 1].value, samples[index].value)
                want += now >= before ? now - before : now
            }
            #expect(answer == want, "increase at \(t): \(String(describing: answer)) vs \(want)")
        }
        let rate = Self.series(try await evaluate("rate(c[10m])", times), ["host": "a"])
        #expect(zip(rate, increase).allSatisfy { $0! == $1! / 600 })
        let delta = Self.series(try await evaluate("increase(d[10m])", times), ["host": "a"])
        for (point, answer) in delta.enumerated() {
            let want = Exact.sum(Self.window(data[4], times.time(point), 600_000).map(\.value))
            #expect(answer == want)
        }
    }

    @Test func aggregationsAndArithmetic() async throws {
        let data = Self.data()
        let times = try EvaluationTimes.instant(1_767_225_600_000 + 2_400_000)
        let maxima = data.prefix(3).map { Self.window($0, times.time(0), 300_000).map(\.value).max()! }
        guard case .vector(let byDC) = try await evaluate("sum by (dc) (max_over_time(g[5m]))", times) else { Issue.record("not a vector"); return }
        #expect(Set(byDC.map(\.labels)) == [["dc": "x"], ["dc": "y"]])
        #expect(byDC.first { $0.labels == ["dc": "y"] }?.values == [maxima[0] + maxima[1]])
        guard case .vector(let without) = try await evaluate("count without (host) (max_over_time(g[5m]))", times) else { return }
        #expect(Set(without.map(\.labels)) == [["dc": "x"], ["dc": "y"]] && without.first { $0.labels == ["dc": "y"] }?.values == [2])
        guard case .vector(let scaled) = try await evaluate("-max(max_over_time(g[5m])) * 2 + 1", times) else { return }
        #expect(scaled.first?.values == [-maxima.max()! * 2 + 1] && scaled.first?.labels == [:])
        guard case .scalar(let scalar) = try await evaluate("(1 + 2) * 3 ^ 2 / 9 - 10 % 4", times) else { return }
        #expect(scalar == [1])
        await #expect(throws: PromQLError.self) { _ = try await evaluate("quantile_over_time(0.5, g[10m])", try EvaluationTimes.range(start: 0, end: 600_000, step: 60_000)) }
        guard case .vector(let quantiles) = try await evaluate("quantile_over_time(0.9, g{host=\"a\"}[5m])", times) else { return }
        #expect(quantiles.first?.values == [Datasets.exactQuantile(0.9, sorted: Self.window(data[0], times.time(0), 300_000).map(\.value).sorted())])
    }
}
