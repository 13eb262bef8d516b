/// Reference arithmetic that does not share code with the product: Shewchuk's exact summation
/// (what Python's `math.fsum` does) and an exact population variance built on it.
public enum Exact {
    /// The correctly rounded sum of `values`.
    public static func sum(_ values: [Double]) -> Double {
        var partials = [Double]()
        for value in values {
            var x = value
            var kept = 0
            for index in partials.indices {
                var y = partials[index]
                if abs(x) < abs(y) { swap(&x, &y) }
                let high = x + y
                let low = y - (high - x)
                if low != 0 {
                    partials[kept] = low
                    kept += 1
                }
                x = high
            }
            partials.removeSubrange(kept...)
            partials.append(x)
        }
        // Round the partials to nearest, ties to even, as CPython's fsum does.
        var n = partials.count
        guard n > 0 else { return 0 }
        n -= 1
        var high = partials[n]
        var low = 0.0
        while n > 0 {
            let x = high
            n -= 1
            let y = partials[n]
            high = x + y
            low = y - (high - x)
            if low != 0 { break }
        }
        if n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0)) {
            let y = low * 2
            let x = high + y
            if y == x - high { high = x }
        }
        return high
    }

    /// The mean, correctly rounded from the exact sum.
    public static func mean(_ values: [Double]) -> Double {
        sum(values) / Double(values.count)
    }

    /// The population variance: every difference, square and product expanded exactly
    /// (TwoSum, fused multiply-adds) and summed exactly, with the mean's own rounding corrected.
    public static func variance(_ values: [Double]) -> Double {
        let n = Double(values.count)
        let mean = mean(values)
        var terms = [Double]()
        terms.reserveCapacity(values.count * 5)
        for x in values {
            let (high, low) = twoSum(x, -mean)
            let (square, squareError) = twoProduct(high, high)
            let (cross, crossError) = twoProduct(2 * high, low)
            terms.append(contentsOf: [square, squareError, cross, crossError, low * low])
        }
        let deviations = sum(terms)
        // Σ(x − μ)² = Σ(x − m)² − n(m − μ)², where μ is the exact mean and m the rounded one.
        let (product, productError) = twoProduct(mean, n)
        let residual = sum(values + [-product, -productError])
        let meanError = residual / n
        return (deviations - n * meanError * meanError) / n
    }

    /// `a + b` as a rounded sum and its exact error.
    public static func twoSum(_ a: Double, _ b: Double) -> (Double, Double) {
        let s = a + b
        let virtualB = s - a
        return (s, (a - (s - virtualB)) + (b - virtualB))
    }

    /// `a · b` as a rounded product and its exact error.
    public static func twoProduct(_ a: Double, _ b: Double) -> (Double, Double) {
        let p = a * b
        return (p, (-p).addingProduct(a, b))
    }

    /// `|a − b| / |b|`, or `|a|` when `b` is zero.
    public static func relativeError(_ a: Double, _ b: Double) -> Double {
        b == 0 ? abs(a) : abs(a - b) / abs(b)
    }
}
