import Foundation
import Testing
import TestSupport

/// Compares a `GET /v1/query` answer with the exact reference.
enum AnswerCheck {
    static let stats = "count,sum,avg,min,max,p50,p99"

    /// `answer` must hold exactly the groups and buckets of `expected`, with count exact,
    /// sum and avg within 1e-12 relative, min and max identical, p50/p99 within 1 %.
    static func verify(_ answer: [String: Any], _ expected: [[String: String]: [Int64: [Double]]], label: String) {
        let series = answer["series"] as? [[String: Any]] ?? []
        #expect(series.count == expected.count, "\(label): \(series.count) series; want \(expected.count)")
        for entry in series {
            let tags = entry["tags"] as? [String: String] ?? [:]
            guard let buckets = expected[tags] else {
                Issue.record("\(label): unexpected series \(tags)")
                continue
            }
            let times = (entry["timestamps"] as? [NSNumber] ?? []).map(\.int64Value)
            #expect(times == buckets.keys.sorted(), "\(label) \(tags): buckets differ")
            for (row, time) in times.enumerated() {
                guard let values = buckets[time] else { continue }
                let sorted = values.sorted()
                func stat(_ name: String) -> Double? { ((entry[name] as? [Any])?[row] as? NSNumber)?.doubleValue }
                #expect(stat("count") == Double(values.count), "\(label) \(tags) @\(time): count")
                let exactSum = Exact.sum(values)
                #expect(Exact.relativeError(stat("sum") ?? .nan, exactSum) <= 1e-12, "\(label) \(tags) @\(time): sum \(stat("sum") ?? .nan) vs \(exactSum)")
                #expect(Exact.relativeError(stat("avg") ?? .nan, Exact.mean(values)) <= 1e-12, "\(label) \(tags) @\(time): avg")
                #expect(stat("min") == sorted.first, "\(label) \(tags) @\(time): min")
                #expect(stat("max") == sorted.last, "\(label) \(tags) @\(time): max")
                for (name, q) in [("p50", 0.5), ("p99", 0.99)] {
                    let exact = Datasets.exactQuantile(q, sorted: sorted)
                    #expect(abs((stat(name) ?? .nan) - exact) <= 0.01 * abs(exact) * (1 + 1e-9), "\(label) \(tags) @\(time): \(name) \(stat(name) ?? .nan) vs \(exact)")
                }
            }
        }
    }
}
