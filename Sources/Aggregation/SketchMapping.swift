import Foundation

/// The index mapping of a DDSketch with relative accuracy `α`, without a logarithm per value:
/// `log₂` is approximated from the double's exponent and a cubic in its significand (the
/// interpolation DDSketch calls "cubically interpolated"), and bucket `i` holds the magnitudes
/// whose approximate `log₂` lies in `((i−1)/m, i/m]`. The cubic's slope is never below
/// `C·ln 2` times the true one, so with `m = 1/(C·ln γ)` each bucket spans at most a ratio
/// `γ = (1+α)/(1−α)`, and its representative `2lu/(l+u)` is within `α` of every value in it.
public struct SketchMapping: Hashable, Sendable {
    /// The guaranteed relative error of a quantile estimate (0.01 is 1 %).
    public let relativeAccuracy: Double
    /// `γ`, the largest ratio between a bucket's bounds.
    public let gamma: Double
    let multiplier: Double

    // The cubic `P(s) = ((A·s + B)·s + C)·s` maps the significand's fraction `s` in [0, 1) to
    // [0, 1), with `P(0) = 0`, `P(1) = 1` and `(1+s)·P'(s) ≥ C` on [0, 1].
    static let a = 6.0 / 35.0
    static let b = -3.0 / 5.0
    static let c = 10.0 / 7.0

    /// The default: 1 % relative accuracy.
    public static let standard = SketchMapping(relativeAccuracy: 0.01)!

    /// Creates the mapping for `relativeAccuracy` in `(0, 1)`; `nil` outside that range.
    public init?(relativeAccuracy: Double) {
        guard relativeAccuracy > 0, relativeAccuracy < 1 else { return nil }
        self.relativeAccuracy = relativeAccuracy
        gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
        multiplier = 1 / (Self.c * log(gamma))
    }

    /// The bucket of a positive finite magnitude.
    @inline(__always)
    public func index(_ magnitude: Double) -> Int32 {
        Int32((Self.approximateLog2(magnitude) * multiplier).rounded(.up))
    }

    /// The representative magnitude of bucket `index`; at most the largest double (the top
    /// bucket's representative would overflow for values near it).
    public func value(_ index: Int32) -> Double {
        let lower = Self.inverseLog2(Double(index - 1) / multiplier)
        let upper = Swift.min(Self.inverseLog2(Double(index) / multiplier), .greatestFiniteMagnitude)
        // 2lu/(l+u), without overflow.
        return Swift.min(lower * (2 / (1 + lower / upper)), .greatestFiniteMagnitude)
    }

    /// `exponent + P(fraction)` for a normal double; subnormals are scaled into the normal range.
    @inline(__always)
    static func approximateLog2(_ magnitude: Double) -> Double {
        guard magnitude >= .leastNormalMagnitude else { return approximateLog2(magnitude * 0x1p64) - 64 }
        let bits = magnitude.bitPattern
        let exponent = Int64(bits >> 52) - 1023
        let fraction = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000) - 1
        return Double(exponent) + ((a * fraction + b) * fraction + c) * fraction
    }

    /// The magnitude whose `approximateLog2` is `x` (Newton's method on the cubic, which is
    /// increasing on [0, 1], from `2^t − 1`: the cubic approximates `log₂(1 + s)`, so a step or
    /// two reach the fixed point).
    static func inverseLog2(_ x: Double) -> Double {
        let exponent = x.rounded(.down)
        let target = x - exponent
        var s = Swift.min(Swift.max(exp2(target) - 1, 0), 1)
        for _ in 0..<8 {
            let p = ((a * s + b) * s + c) * s - target
            let slope = (3 * a * s + 2 * b) * s + c
            let next = Swift.min(Swift.max(s - p / slope, 0), 1)
            if next == s { break }
            s = next
        }
        return (1 + s) * exponent2(Int(exponent))
    }

    /// `2^n`, saturating to 0 and infinity outside the double range.
    static func exponent2(_ n: Int) -> Double {
        if n > 1023 { return .infinity }
        if n < -1074 { return 0 }
        return Double(sign: .plus, exponent: n, significand: 1)
    }
}
