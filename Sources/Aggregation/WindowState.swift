import Model

/// Everything Windrow keeps about the samples of one series in one window. Merging is
/// associative and commutative, so partial states from any number of mappers, in any order,
/// combine into the state of all their samples.
public struct WindowState: Hashable, Sendable {
    /// Number of samples.
    public private(set) var count: UInt64 = 0
    /// Compensated sum of the values.
    public private(set) var sum = CompensatedSum()
    /// Smallest value (`+infinity` when empty).
    public private(set) var min = Double.infinity
    /// Largest value (`-infinity` when empty).
    public private(set) var max = -Double.infinity
    /// Sum of squared deviations from the mean (Welford; merged by Chan's formula).
    public private(set) var m2: Double = 0
    /// The earliest sample (on a tie in time, the smaller value).
    public private(set) var first = TimedValue(nanoseconds: .max, value: .infinity)
    /// The latest sample (on a tie in time, the larger value).
    public private(set) var last = TimedValue(nanoseconds: .min, value: -.infinity)
    /// What quantiles are answered from: the values themselves while the window holds few
    /// (exact answers, no allocation up to two values), a sketch beyond; nothing when the
    /// cluster keeps no quantiles.
    public private(set) var quantiles: QuantileData

    /// Most values a window keeps exactly; one more and they become a sketch (which is then
    /// about as small as the values: a few bytes per occupied bucket).
    public static let exactMax = 8

    /// An empty state; with a `sketchMapping`, it keeps what quantiles need too.
    public init(sketchMapping: SketchMapping? = .standard) {
        quantiles = sketchMapping.map { .exact([], $0) } ?? .none
    }

    /// Rebuilds a decoded state from its fields, checking that they are consistent. Every
    /// state that finite samples can produce passes, overflow included: a sum outside the
    /// double range is accepted when `count × max(|min|, |max|)` could reach it, an infinite or
    /// NaN `m2` when the spread or the sum could overflow a square.
    public init(count: UInt64, sum: CompensatedSum, min: Double, max: Double, m2: Double,
                first: TimedValue, last: TimedValue, quantiles: QuantileData) throws(StateError) {
        guard count > 0 else { throw StateError("count is 0") }
        guard min <= max, min.isFinite, max.isFinite else { throw StateError("min \(min) and max \(max) are not an ordered pair of finite values") }
        let magnitude = Swift.max(Swift.abs(min), Swift.abs(max))
        let sumMayOverflow = Double(count) * magnitude >= Self.overflowThreshold
        guard sum.value.isFinite || sumMayOverflow else {
            throw StateError("sum \(sum.value) cannot come from \(count) values within [\(min), \(max)]")
        }
        let squareMayOverflow = sum.overflowed || (max - min) >= Self.squareOverflowThreshold
        guard m2 >= 0 || (m2.isNaN && squareMayOverflow) else { throw StateError("m2 \(m2) is negative") }
        guard m2.isFinite || squareMayOverflow else {
            throw StateError("m2 \(m2) cannot come from values within [\(min), \(max)]")
        }
        guard first.nanoseconds <= last.nanoseconds else { throw StateError("first sample is later than last") }
        guard (min...max).contains(first.value), (min...max).contains(last.value) else { throw StateError("first or last value lies outside min...max") }
        switch quantiles {
        case .none: break
        case .exact(let values, _):
            if count <= 2 {
                guard values.isEmpty else { throw StateError("\(values.count) exact values with count \(count) (first and last are the values)") }
            } else {
                guard count <= UInt64(Self.exactMax), values.count == Int(count) else {
                    throw StateError("\(values.count) exact values; count is \(count)")
                }
                guard values.allSatisfy({ (min...max).contains($0) }) else { throw StateError("an exact value lies outside min...max") }
            }
        case .sketch(let sketch):
            guard count > UInt64(Self.exactMax) else { throw StateError("a sketch for \(count) values, which are kept exactly") }
            guard sketch.count == count else { throw StateError("sketch holds \(sketch.count) values; count is \(count)") }
        }
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.m2 = m2
        self.first = first
        self.last = last
        self.quantiles = quantiles
    }

    /// A sum of `count` values of at most this magnitude may overflow (with a factor 2 of margin
    /// for rounding on the way).
    static let overflowThreshold = Double.greatestFiniteMagnitude / 2
    /// A spread this large (about 2^510) may overflow its square in Welford's or Chan's update.
    static let squareOverflowThreshold = Double.greatestFiniteMagnitude.squareRoot() / 2

    /// Whether no sample was added yet.
    public var isEmpty: Bool { count == 0 }

    /// Folds one sample in. The value must be finite (validation guarantees it).
    @inline(__always)
    public mutating func add(_ value: Double, at nanoseconds: Int64) {
        if count > 0 {
            // Welford's update, with the deviation taken from the double-double mean so that
            // a large offset (1e6 + noise) costs no precision.
            let previous = Double(count)
            let deviation = preciseMeanDeviation(of: value)
            m2 += deviation * deviation * (previous / (previous + 1))
        }
        addQuantile(value)
        count &+= 1
        sum.add(value)
        if value < min { min = value }
        if value > max { max = value }
        let sample = TimedValue(nanoseconds: nanoseconds, value: value)
        if sample.isBefore(first) { first = sample }
        if last.isBefore(sample) { last = sample }
    }

    /// Keeps `value` for quantiles (before `count` and first/last take it in).
    @inline(__always)
    private mutating func addQuantile(_ value: Double) {
        switch quantiles {
        case .none:
            return
        case .exact(var values, let mapping):
            if count < 2 { return }
            quantiles = .none
            if count == 2 {
                values.reserveCapacity(Self.exactMax)
                values.append(first.value)
                values.append(last.value)
            }
            values.append(value)
            if values.count <= Self.exactMax {
                quantiles = .exact(values, mapping)
            } else {
                var sketch = QuantileSketch(mapping: mapping)
                for kept in values { sketch.add(kept) }
                quantiles = .sketch(sketch)
            }
        case .sketch(var sketch):
            quantiles = .none
            sketch.add(value)
            quantiles = .sketch(sketch)
        }
    }

    /// The mapping of the sketch this state keeps or would grow into; `nil` without quantiles.
    public var sketchMapping: SketchMapping? {
        switch quantiles {
        case .none: nil
        case .exact(_, let mapping): mapping
        case .sketch(let sketch): sketch.mapping
        }
    }

    /// The values of a state kept exactly (count ≤ `exactMax`), in no particular order.
    public var exactValues: [Double]? {
        guard case .exact = quantiles else { return nil }
        var values = [Double]()
        forEachExactValue { values.append($0) }
        return values
    }

    /// Calls `body` with each value of a state kept exactly, without building an array (first
    /// and last are the values up to two).
    @inline(__always)
    func forEachExactValue(_ body: (Double) -> Void) {
        guard case .exact(let values, _) = quantiles else { return }
        switch count {
        case 0: return
        case 1: body(first.value)
        case 2: body(first.value); body(last.value)
        default: for value in values { body(value) }
        }
    }

    /// Folds `other`'s values into this state's quantile data (called before either's other
    /// fields change). A sketch is taken out of the enum before it is changed, so that it is
    /// merged in place, not copied.
    private mutating func mergeQuantiles(_ other: WindowState) {
        if case .sketch(var sketch) = quantiles {
            // Taken out of the enum first, so that it is changed in place, not copied.
            quantiles = .none
            switch other.quantiles {
            case .none: return
            case .exact: other.forEachExactValue { sketch.add($0) }
            case .sketch(let right): sketch.merge(right)
            }
            quantiles = .sketch(sketch)
            return
        }
        guard case .exact(_, let mapping) = quantiles else { return }
        switch other.quantiles {
        case .none:
            quantiles = .none
        case .exact where count + other.count <= 2:
            // Still two values at most: first and last will be they.
            return
        case .exact where count + other.count <= UInt64(Self.exactMax):
            var values = [Double]()
            values.reserveCapacity(Self.exactMax)
            forEachExactValue { values.append($0) }
            other.forEachExactValue { values.append($0) }
            quantiles = .exact(values, mapping)
        case .exact:
            var sketch = QuantileSketch(mapping: mapping)
            forEachExactValue { sketch.add($0) }
            other.forEachExactValue { sketch.add($0) }
            quantiles = .sketch(sketch)
        case .sketch(var sketch):
            precondition(mapping == sketch.mapping, "cannot merge sketches of different accuracy")
            forEachExactValue { sketch.add($0) }
            quantiles = .sketch(sketch)
        }
    }

    /// `value − mean`, with the mean carried to about twice double precision.
    @inline(__always)
    func preciseMeanDeviation(of value: Double) -> Double {
        let (high, low) = preciseMean
        return (value - high) - low
    }

    /// The mean as an unevaluated sum `high + low` of two doubles.
    @inline(__always)
    var preciseMean: (high: Double, low: Double) {
        let n = Double(count)
        let high = sum.value / n
        // `sum − high·n` is computed exactly by the fused multiply-add; the compensation joins it.
        let remainder = (sum.sum.addingProduct(-high, n)) + sum.compensation
        return (high, remainder / n)
    }

    /// Merges another state into this one (Chan's parallel formula for the variance).
    public mutating func merge(_ other: WindowState) {
        guard other.count > 0 else { return }
        if count == 0 {
            let keeps = quantiles != .none
            self = other
            if !keeps { quantiles = .none }
            return
        }
        mergeQuantiles(other)
        let leftCount = Double(count)
        let rightCount = Double(other.count)
        let (leftHigh, leftLow) = preciseMean
        let (rightHigh, rightLow) = other.preciseMean
        let delta = (rightHigh - leftHigh) + (rightLow - leftLow)
        m2 = m2 + other.m2 + delta * delta * (leftCount * rightCount / (leftCount + rightCount))
        count &+= other.count
        sum.add(other.sum)
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        if other.first.isBefore(first) { first = other.first }
        if last.isBefore(other.last) { last = other.last }
    }

    /// The value at rank `q·(n−1)` of the sorted values, interpolating linearly between
    /// neighbouring ranks: exact while the values are kept, within the sketch's relative
    /// accuracy beyond. `nil` when empty or no quantile data is kept.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        if q <= 0 { return min }
        if q >= 1 { return max }
        switch quantiles {
        case .none:
            return nil
        case .exact:
            let sorted = exactValues!.sorted()
            let rank = q * Double(sorted.count - 1)
            let low = Int(rank.rounded(.down))
            let fraction = rank - Double(low)
            return fraction > 0 ? sorted[low] + (sorted[low + 1] - sorted[low]) * fraction : sorted[low]
        case .sketch(let sketch):
            // The exact extremes are known; clamping can only move an estimate closer.
            return sketch.quantile(q).map { Swift.min(Swift.max($0, min), max) }
        }
    }

    /// The arithmetic mean (NaN when empty).
    public var mean: Double { sum.value / Double(count) }

    /// The population variance: `+infinity` once the squared deviations overflowed (`m2` is
    /// then infinite, or NaN when an overflowed mean met another).
    public var variance: Double {
        guard count > 0 else { return .nan }
        guard m2.isFinite else { return .infinity }
        return Swift.max(0, m2 / Double(count))
    }
}

/// What a window keeps for its quantiles.
public enum QuantileData: Hashable, Sendable {
    /// Nothing: the cluster keeps no quantiles.
    case none
    /// The values themselves (empty while there are at most two: first and last are they),
    /// and the mapping of the sketch they become past `WindowState.exactMax`.
    case exact([Double], SketchMapping)
    /// A sketch of more than `WindowState.exactMax` values.
    case sketch(QuantileSketch)
}

/// A value with its time, for first/last.
public struct TimedValue: Hashable, Sendable {
    public var nanoseconds: Int64
    public var value: Double

    public init(nanoseconds: Int64, value: Double) {
        self.nanoseconds = nanoseconds
        self.value = value
    }

    /// Earlier in time, or at the same time with a smaller value: an order that never depends
    /// on arrival.
    @inline(__always)
    func isBefore(_ other: TimedValue) -> Bool {
        nanoseconds < other.nanoseconds || (nanoseconds == other.nanoseconds && value < other.value)
    }
}

/// Decoded window fields that cannot belong to any real state.
public struct StateError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
