import Foundation

/// The logarithmic index mapping of a DDSketch with relative accuracy `α`: bucket `i` holds
/// the magnitudes in `(γ^(i-1), γ^i]` with `γ = (1+α)/(1-α)`, and is represented by
/// `2γ^i/(γ+1)`, which is within `α` of every value in it.
public struct SketchMapping: Hashable, Sendable {
    /// The guaranteed relative error of a quantile estimate (0.01 is 1 %).
    public let relativeAccuracy: Double
    /// `γ`, the ratio between consecutive bucket bounds.
    public let gamma: Double
    let multiplier: Double

    /// The default: 1 % relative accuracy.
    public static let standard = SketchMapping(relativeAccuracy: 0.01)!

    /// Creates the mapping for `relativeAccuracy` in `(0, 1)`; `nil` outside that range.
    public init?(relativeAccuracy: Double) {
        guard relativeAccuracy > 0, relativeAccuracy < 1 else { return nil }
        self.relativeAccuracy = relativeAccuracy
        gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
        multiplier = 1 / log(gamma)
    }

    /// The bucket of a positive finite magnitude.
    @inline(__always)
    public func index(_ magnitude: Double) -> Int32 {
        Int32((log(magnitude) * multiplier).rounded(.up))
    }

    /// The representative magnitude of bucket `index`; at most the largest double (the top
    /// bucket's representative would overflow for values near it).
    @inline(__always)
    public func value(_ index: Int32) -> Double {
        Swift.min(2 * exp(Double(index) / multiplier) / (gamma + 1), .greatestFiniteMagnitude)
    }
}
