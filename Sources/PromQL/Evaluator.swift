import Aggregation
import Model

/// When an expression is evaluated: one time (an instant query) or `start` to `end` every
/// `step` (a range query), all in milliseconds.
public struct EvaluationTimes: Sendable, Equatable {
    public let start: Int64
    public let end: Int64
    public let step: Int64
    public let isInstant: Bool

    /// Prometheus' limit on points per series of a range query.
    public static let pointsMax = 11_000

    /// Times are taken from year 1812 to 2128 (±5·10⁹ s), so nanoseconds never overflow.
    public static let timeMaxMilliseconds: Int64 = 5_000_000_000_000

    public static func instant(_ time: Int64) throws(PromQLError) -> EvaluationTimes {
        guard abs(time) <= timeMaxMilliseconds else { throw PromQLError("time \(time / 1000) s is outside the supported range") }
        return EvaluationTimes(start: time, end: time, step: 1, isInstant: true)
    }

    public static func range(start: Int64, end: Int64, step: Int64) throws(PromQLError) -> EvaluationTimes {
        guard abs(start) <= timeMaxMilliseconds, abs(end) <= timeMaxMilliseconds else { throw PromQLError("start or end is outside the supported range") }
        guard step > 0 else { throw PromQLError("zero or negative query resolution step widths are not accepted. Try a positive integer") }
        guard step <= Parser.durationMaxMilliseconds else { throw PromQLError("a step longer than 10 years is not supported") }
        guard end >= start else { throw PromQLError("end timestamp must not be before start time") }
        guard (end - start) / step < Int64(pointsMax) else {
            throw PromQLError("exceeded maximum resolution of \(pointsMax) points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        return EvaluationTimes(start: start, end: end, step: step, isInstant: false)
    }

    public var count: Int { Int((end - start) / step) + 1 }
    public func time(_ index: Int) -> Int64 { start + Int64(index) * step }
}

/// What one selector needs read: the stats of its series' buckets of `step` ns starting at
/// `offset` past the epoch's multiples, over `[from, to)`.
public struct Fetch: Sendable, Equatable {
    public var selector: Selector
    public var stats: [Stat]
    /// Whether each series' type is needed (`rate` and `increase`: increments or a total).
    public var needsTypes: Bool
    public var from: Int64
    public var to: Int64
    public var step: Int64
    public var offset: Int64
}

/// One series as read for a `Fetch`: its labels (`__name__` included), whether its samples are
/// increments (Windrow's `counter` type) rather than a cumulative count, and its non-empty
/// buckets' starts (ns) with one column per stat of the fetch.
public struct FetchedSeries: Sendable {
    public var labels: [String: String]
    public var isDelta: Bool
    public var starts: [Int64]
    public var columns: [[Double]]

    public init(labels: [String: String], isDelta: Bool, starts: [Int64], columns: [[Double]]) {
        self.labels = labels
        self.isDelta = isDelta
        self.starts = starts
        self.columns = columns
    }
}

/// An evaluated expression: a scalar per evaluation time, or series of values (`nil`: no point).
public enum Value: Sendable {
    case scalar([Double])
    case vector([Series])

    public struct Series: Sendable {
        public var labels: [String: String]
        public var values: [Double?]
    }
}

/// Evaluates the subset over window stats (docs/prometheus.md). Evaluation times are rounded
/// down to the base window; a function over `[r]` at time `t` reads the base windows of
/// `[t − r, t)` with `r` rounded up to the base window; a bare selector is `last` within the
/// 5-minute lookback. `rate` and `increase` of cumulative counters are computed from each
/// bucket's first, last, min and max sample and the previous bucket's last, so they do not
/// depend on which mapper took which sample.
public struct Evaluator {
    public let times: EvaluationTimes
    /// The base window, ns.
    public let window: Int64
    /// Most buckets one selector reads per series.
    public static let bucketsMax: Int64 = 2_000_000
    /// Prometheus' default lookback of a bare selector.
    public static let lookbackMilliseconds: Int64 = 300_000

    public init(times: EvaluationTimes, window: Int64) {
        self.times = times
        self.window = window
    }

    public func evaluate(_ expression: Expression, fetch: (Fetch) async throws -> [FetchedSeries]) async throws -> Value {
        switch expression {
        case .number(let value):
            return .scalar(Array(repeating: value, count: times.count))
        case .selector(let selector):
            return try await leaf(.lastOverTime, selector, range: Self.lookbackMilliseconds, parameter: nil, keepName: true, fetch: fetch)
        case .range(let function, let selector, let range, let parameter):
            return try await leaf(function, selector, range: range, parameter: parameter, keepName: false, fetch: fetch)
        case .negate(let inner):
            return Self.map(try await evaluate(inner, fetch: fetch)) { -$0 }
        case .binary(let op, let left, let right):
            let a = try await evaluate(left, fetch: fetch)
            let b = try await evaluate(right, fetch: fetch)
            switch (a, b) {
            case (.scalar(let x), .scalar(let y)): return .scalar(zip(x, y).map { op.apply($0, $1) })
            case (.vector, .scalar(let y)): return Self.map(a, dropName: true) { index, value in op.apply(value, y[index]) }
            case (.scalar(let x), .vector): return Self.map(b, dropName: true) { index, value in op.apply(x[index], value) }
            case (.vector, .vector): throw PromQLError("arithmetic between two vectors is not supported; one side must be a number")
            }
        case .aggregate(let aggregation, let grouping, let inner):
            guard case .vector(let series) = try await evaluate(inner, fetch: fetch) else {
                throw PromQLError("\(aggregation.rawValue) needs a vector, not a scalar")
            }
            return .vector(Self.aggregate(aggregation, grouping, series, count: times.count))
        }
    }

    // MARK: Leaves

    /// The grid a function over `range` ms is read on: bucket length and offset (ns), and how
    /// many buckets make one range.
    func grid(range: Int64) -> (step: Int64, offset: Int64, buckets: Int) {
        let rounded = Swift.max(window, (range * 1_000_000 + window - 1) / window * window)
        let stepNanoseconds = times.step * 1_000_000
        let bucket: Int64
        if times.isInstant || stepNanoseconds % window != 0 {
            bucket = times.isInstant ? rounded : window
        } else {
            bucket = Self.gcd(rounded, stepNanoseconds)
        }
        let first = floorToWindow(times.start)
        let offset = ((first % bucket) + bucket) % bucket
        return (bucket, offset, Int(rounded / bucket))
    }

    /// An evaluation time (ms) rounded down to the base window, ns.
    func floorToWindow(_ milliseconds: Int64) -> Int64 {
        (milliseconds * 1_000_000).floorDivided(by: window) * window
    }

    func stats(of function: RangeFunction, parameter: Double?) -> [Stat] {
        switch function {
        case .avgOverTime: [.sum, .count]
        case .minOverTime: [.min]
        case .maxOverTime: [.max]
        case .sumOverTime: [.sum]
        case .countOverTime: [.count]
        case .stddevOverTime: [.sum, .count, .stddev]
        case .quantileOverTime: [.quantile(parameter ?? 0.5)]
        case .lastOverTime: [.last]
        case .rate, .increase: [.first, .last, .min, .max, .sum]
        }
    }

    func leaf(_ function: RangeFunction, _ selector: Selector, range: Int64, parameter: Double?, keepName: Bool,
              fetch: (Fetch) async throws -> [FetchedSeries]) async throws -> Value {
        let (bucket, offset, buckets) = grid(range: range)
        if function == .quantileOverTime, buckets > 1 {
            throw PromQLError("quantile_over_time over a range longer than the step is not supported (quantiles of overlapping ranges "
                              + "cannot be merged from window sketches); use a range equal to the step, such as [$__interval]")
        }
        let stats = stats(of: function, parameter: parameter)
        // Every grid point is a bucket start; time t reads the `buckets` buckets before its grid point.
        let lastPoint = Self.floor(floorToWindow(times.end) - offset, bucket) + offset
        let firstPoint = Self.floor(floorToWindow(times.start) - offset, bucket) + offset
        // One range more before the first: its last sample is the baseline of `rate` and `increase`.
        let from = firstPoint - Int64(2 * buckets) * bucket
        guard (lastPoint - from) / bucket <= Self.bucketsMax else {
            throw PromQLError("the query would read \((lastPoint - from) / bucket) buckets of \(bucket / 1_000_000_000) s per series (at most \(Self.bucketsMax)): "
                              + "use a range that divides the step, or a shorter time span")
        }
        let plan = Fetch(selector: selector, stats: stats, needsTypes: function == .rate || function == .increase, from: from, to: lastPoint,
                         step: bucket, offset: offset)
        let fetched = try await fetch(plan)
        let count = Int((lastPoint - from) / bucket)
        var result = [Value.Series]()
        for series in fetched {
            var dense = Array(repeating: [Double](repeating: .nan, count: count), count: stats.count)
            for (position, start) in series.starts.enumerated() {
                let index = Int((start - from) / bucket)
                guard index >= 0, index < count else { continue }
                for stat in stats.indices { dense[stat][index] = series.columns[stat][position] }
            }
            var values = [Double?](repeating: nil, count: times.count)
            for point in 0..<times.count {
                let end = Int((Self.floor(floorToWindow(times.time(point)) - offset, bucket) + offset - from) / bucket)
                values[point] = Self.combine(function, dense, Swift.max(0, end - buckets)..<end, isDelta: series.isDelta,
                                             rangeSeconds: Double(Int64(buckets) * bucket) / 1e9)
            }
            var labels = series.labels
            if !keepName { labels["__name__"] = nil }
            result.append(Value.Series(labels: labels, values: values))
        }
        return .vector(result)
    }

    /// The value of `function` over the buckets `range` of `dense` (columns as `stats(of:)`;
    /// NaN where a bucket is empty), `nil` when the range holds no sample.
    static func combine(_ function: RangeFunction, _ dense: [[Double]], _ range: Range<Int>, isDelta: Bool, rangeSeconds: Double) -> Double? {
        let lead = dense[0]
        var latest = -1
        var present = 0
        for index in range where !lead[index].isNaN {
            latest = index
            present += 1
        }
        guard latest >= 0 else { return nil }
        switch function {
        case .avgOverTime:
            var sum = 0.0
            var count = 0.0
            for index in range where !lead[index].isNaN {
                sum += lead[index]
                count += dense[1][index]
            }
            return count > 0 ? sum / count : nil
        case .minOverTime:
            var low = Double.infinity
            for index in range where !lead[index].isNaN { low = Swift.min(low, lead[index]) }
            return low
        case .maxOverTime:
            var high = -Double.infinity
            for index in range where !lead[index].isNaN { high = Swift.max(high, lead[index]) }
            return high
        case .sumOverTime, .countOverTime:
            if present == 1 { return lead[latest] }
            var sum = 0.0
            for index in range where !lead[index].isNaN { sum += lead[index] }
            return sum
        case .stddevOverTime:
            // Chan's merge of (count, mean, M2) per bucket.
            var count = 0.0
            var mean = 0.0
            var m2 = 0.0
            for index in range where !lead[index].isNaN {
                let n = dense[1][index]
                guard n > 0 else { continue }
                let bucketMean = lead[index] / n
                let bucketM2 = dense[2][index] * dense[2][index] * n
                let total = count + n
                let delta = bucketMean - mean
                m2 += bucketM2 + delta * delta * count * n / total
                mean += delta * n / total
                count = total
            }
            return count > 0 ? (m2 / count).squareRoot() : nil
        case .quantileOverTime, .lastOverTime:
            return lead[latest]
        case .rate, .increase:
            let increase: Double
            if isDelta {
                var sum = 0.0
                for index in range where !lead[index].isNaN { sum += dense[4][index] }
                increase = sum
            } else {
                increase = counterIncrease(dense, range, baseline: lastBefore(dense, range))
            }
            return function == .rate ? increase / rangeSeconds : increase
        }
    }

    /// The last sample before `range` (in the latest non-empty bucket at most one range before
    /// it), the baseline of its first bucket's increase: so the increases of ranges one after
    /// another add up to the counter's whole increase.
    static func lastBefore(_ dense: [[Double]], _ range: Range<Int>) -> Double? {
        var index = range.lowerBound - 1
        while index >= 0, index >= range.lowerBound - range.count {
            if !dense[1][index].isNaN { return dense[1][index] }
            index -= 1
        }
        return nil
    }

    /// The increase of a cumulative counter over the non-empty buckets of `range` (first, last, min, max
    /// columns 0–3): between buckets, a drop is a reset and the new value counts from zero; within
    /// a bucket, a minimum below its first sample means a reset, counted as the rise to the
    /// bucket's maximum before it plus the last value after it. Exact when a bucket holds at most
    /// one reset and its maximum comes before that reset (a counter restarting from zero).
    static func counterIncrease(_ dense: [[Double]], _ range: Range<Int>, baseline: Double?) -> Double {
        var total = 0.0
        var previous = baseline
        for index in range where !dense[0][index].isNaN {
            let first = dense[0][index], last = dense[1][index], low = dense[2][index], high = dense[3][index]
            if let before = previous { total += first >= before ? first - before : first }
            total += low < first ? (high - first) + last : last - first
            previous = last
        }
        return total
    }

    // MARK: Operators

    static func map(_ value: Value, dropName: Bool = false, _ transform: (Int, Double) -> Double) -> Value {
        switch value {
        case .scalar(let values): return .scalar(values.enumerated().map { transform($0.offset, $0.element) })
        case .vector(let series):
            return .vector(series.map { item in
                var labels = item.labels
                if dropName { labels["__name__"] = nil }
                return Value.Series(labels: labels, values: item.values.enumerated().map { index, value in value.map { transform(index, $0) } })
            })
        }
    }

    static func map(_ value: Value, _ transform: @escaping (Double) -> Double) -> Value {
        map(value, dropName: true) { _, value in transform(value) }
    }

    static func aggregate(_ aggregation: Aggregation, _ grouping: Grouping, _ series: [Value.Series], count: Int) -> [Value.Series] {
        var groups: [[String: String]: [Value.Series]] = [:]
        for item in series {
            let labels: [String: String]
            switch grouping {
            case .by(let keep): labels = item.labels.filter { keep.contains($0.key) }
            case .without(let drop): labels = item.labels.filter { !drop.contains($0.key) && $0.key != "__name__" }
            }
            groups[labels, default: []].append(item)
        }
        return groups.map { labels, members in
            let values = (0..<count).map { point -> Double? in
                let present = members.compactMap { $0.values[point] }
                guard !present.isEmpty else { return nil }
                switch aggregation {
                case .sum: return present.reduce(0, +)
                case .avg: return present.reduce(0, +) / Double(present.count)
                case .min: return present.min()
                case .max: return present.max()
                case .count: return Double(present.count)
                }
            }
            return Value.Series(labels: labels, values: values)
        }
    }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 { b == 0 ? a : gcd(b, a % b) }

    static func floor(_ value: Int64, _ step: Int64) -> Int64 { value.floorDivided(by: step) * step }
}
