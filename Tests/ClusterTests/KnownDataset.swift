import Foundation
import Model
import TestSupport
import Wire

/// A data set whose answers the tests compute independently (exact sums, sorted quantiles).
struct KnownDataset {
    struct Point {
        var name: String
        var tags: [Tag]
        var milliseconds: Int64
        var value: Double
    }

    var points: [Point]

    /// `count` samples of one metric over `hosts × regions` series, from `start` over `spanMs`,
    /// in shuffled order.
    static func make(name: String, count: Int, start: Int64, spanMs: Int64, seed: UInt64) -> KnownDataset {
        var random = SeededGenerator(seed: seed)
        var points = [Point]()
        for _ in 0..<count {
            let host = "h\(Int.random(in: 0..<5, using: &random))"
            let region = Bool.random(using: &random) ? "eu" : "us"
            let value = (exp(2 + random.normal()) * 1000).rounded() / 1000
            points.append(Point(name: name, tags: [Tag("host", host), Tag("region", region)],
                                milliseconds: start + Int64.random(in: 0..<spanMs, using: &random), value: value))
        }
        points.shuffle(using: &random)
        return KnownDataset(points: points)
    }

    /// Sample batches for the ZeroMQ path.
    func batches(of size: Int, range: Range<Int>? = nil) -> [SampleBatch] {
        let selected = Array(points[range ?? points.indices])
        return stride(from: 0, to: selected.count, by: size).enumerated().map { number, offset in
            var builder = SampleBatchBuilder(capacity: size)
            for point in selected[offset..<min(offset + size, selected.count)] {
                builder.append(Sample(name: point.name, value: point.value, timestamp: Timestamp(milliseconds: point.milliseconds), tags: point.tags))
            }
            return builder.finish(id: UInt64(number + 1))
        }
    }

    /// JSON bodies for `POST /v1/metrics`.
    func jsonBodies(of size: Int, range: Range<Int>) -> [Data] {
        let selected = Array(points[range])
        return stride(from: 0, to: selected.count, by: size).map { offset in
            let items = selected[offset..<min(offset + size, selected.count)].map { point -> [String: Any] in
                ["name": point.name, "value": point.value, "timestamp": point.milliseconds,
                 "tags": Dictionary(uniqueKeysWithValues: point.tags.map { ($0.key, $0.value) })]
            }
            return try! JSONSerialization.data(withJSONObject: items)
        }
    }

    /// The exact answer of a query: per group (tags dictionary), per bucket start (ms), the values.
    func expected(stepMs: Int64, from: Int64, to: Int64, filter: [Tag] = [], groupBy: String? = nil) -> [[String: String]: [Int64: [Double]]] {
        var result = [[String: String]: [Int64: [Double]]]()
        for point in points where point.milliseconds >= from && point.milliseconds < to {
            guard filter.allSatisfy({ tag in point.tags.contains(tag) }) else { continue }
            var group = [String: String]()
            if let groupBy, let tag = point.tags.first(where: { $0.key == groupBy }) { group[groupBy] = tag.value }
            if groupBy == nil { for tag in filter { group[tag.key] = tag.value } }
            let bucket = point.milliseconds.floorDivided(by: stepMs) * stepMs
            result[group, default: [:]][bucket, default: []].append(point.value)
        }
        return result
    }
}
