/// Random data sets the tests draw from, each reproducible from a seed.
public enum Datasets {
    /// Uniform values in `range`.
    public static func uniform(_ count: Int, in range: ClosedRange<Double>, using random: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in Double.random(in: range, using: &random) }
    }

    /// Lognormal values: `exp(μ + σ·N(0,1))`.
    public static func lognormal(_ count: Int, mu: Double = 0, sigma: Double = 1.5, using random: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in exp(mu + sigma * random.normal()) }
    }

    /// Two separated modes: most values near 10, a tenth near 5000 (latency with a slow tail).
    public static func bimodal(_ count: Int, using random: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in
            Double.random(in: 0..<1, using: &random) < 0.9
                ? abs(10 + 2 * random.normal()) + 0.001
                : abs(5000 + 500 * random.normal()) + 0.001
        }
    }

    /// Data built to break naive arithmetic: huge cancelling terms, mixed signs, denormals,
    /// large offsets with small noise.
    public static func adversarial(using random: inout SeededGenerator) -> [[Double]] {
        [
            [1e16, 1, -1e16],
            [1e16, 1, -1e16, 3, 1e16, -1e16, 0.5],
            (0..<500).map { _ in 1e6 + random.normal() },
            (0..<500).map { _ in 1e9 + 1e-3 * random.normal() },
            (0..<300).map { index in (index % 2 == 0 ? 1 : -1) * Double.random(in: 1e-3...1e12, using: &random) },
            (0..<200).map { _ in Double.leastNonzeroMagnitude * Double(Int.random(in: -1000...1000, using: &random)) },
            (0..<200).map { _ in Double.random(in: -1...1, using: &random) * pow(10, Double(Int.random(in: -150...150, using: &random))) },
            // The variance of this one overflows a double: stddev is reported as infinity.
            [Double.greatestFiniteMagnitude / 4, -Double.greatestFiniteMagnitude / 4, 1],
        ]
    }

    /// The exact value at fractional rank `q·(n−1)` of `sorted`, interpolating linearly
    /// between the neighbouring ranks (NumPy's default percentile).
    public static func exactQuantile(_ q: Double, sorted: [Double]) -> Double {
        let rank = q * Double(sorted.count - 1)
        let low = Int(rank.rounded(.down))
        let fraction = rank - Double(low)
        guard fraction > 0 else { return sorted[low] }
        return sorted[low] + (sorted[low + 1] - sorted[low]) * fraction
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
