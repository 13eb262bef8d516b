import Model

/// A statistic a query can ask of a window (DESIGN.md, "Definitions").
public enum Stat: Hashable, Sendable, CustomStringConvertible {
    case avg, min, max, sum, count, stddev, first, last, rate
    /// The value at rank `q·(n−1)`; `quantile(0.99)` is `p99`.
    case quantile(Double)

    /// Parses `avg`, `min`, `max`, `sum`, `count`, `stddev`, `first`, `last`, `rate`, or
    /// `pNN` / `pNN.N` (a percentile from 0 to 100).
    public init(parsing text: some StringProtocol) throws(StatError) {
        switch text {
        case "avg": self = .avg
        case "min": self = .min
        case "max": self = .max
        case "sum": self = .sum
        case "count": self = .count
        case "stddev": self = .stddev
        case "first": self = .first
        case "last": self = .last
        case "rate": self = .rate
        default:
            guard text.hasPrefix("p"), text.count > 1, let percent = Double(text.dropFirst()),
                  text.dropFirst().allSatisfy({ $0.isNumber || $0 == "." }), (0...100).contains(percent)
            else {
                throw StatError(text: String(text))
            }
            self = .quantile(percent / 100)
        }
    }

    public var description: String {
        switch self {
        case .avg: "avg"
        case .min: "min"
        case .max: "max"
        case .sum: "sum"
        case .count: "count"
        case .stddev: "stddev"
        case .first: "first"
        case .last: "last"
        case .rate: "rate"
        case .quantile(let q):
            "p" + percentText(q * 100)
        }
    }
}

/// `99` for 99.0, `99.9` for 99.9: the shortest spelling of a percentile.
private func percentText(_ percent: Double) -> String {
    let rounded = (percent * 1000).rounded() / 1000
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}

/// A stat name that is not one of DESIGN.md's.
public struct StatError: Error, Equatable, CustomStringConvertible {
    public let text: String
    public var description: String {
        "unknown stat '\(text)'; use avg, min, max, sum, count, stddev, first, last, rate or pNN (p50, p90, p95, p99)"
    }
}

extension WindowState {
    /// The value of `stat` over this state, whose window is `windowLength` long; `nil` when the
    /// window is empty or (for quantiles) no sketch was kept.
    public func value(of stat: Stat, windowLength: Step) -> Double? {
        guard count > 0 else { return stat == .count ? 0 : nil }
        switch stat {
        case .avg: return mean
        case .min: return min
        case .max: return max
        case .sum: return sum.value
        case .count: return Double(count)
        case .stddev: return variance.squareRoot()
        case .first: return first.value
        case .last: return last.value
        case .rate: return sum.value / windowLength.seconds
        case .quantile(let q): return quantile(q)
        }
    }
}
