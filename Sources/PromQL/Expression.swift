import Foundation

/// A PromQL expression of the subset Windrow answers (docs/prometheus.md, "PromQL subset").
public indirect enum Expression: Equatable, Sendable {
    /// A number literal (a scalar).
    case number(Double)
    /// An instant-vector selector: the latest sample of each series within the lookback.
    case selector(Selector)
    /// A function over a range-vector selector: `avg_over_time(x[5m])`, `rate(x[5m])`;
    /// `parameter` is `quantile_over_time`'s quantile.
    case range(RangeFunction, Selector, rangeMilliseconds: Int64, parameter: Double?)
    /// `sum by (job) (expr)`, `avg without (instance) (expr)`.
    case aggregate(Aggregation, grouping: Grouping, Expression)
    /// Arithmetic where at least one side is a scalar.
    case binary(BinaryOperator, Expression, Expression)
    /// `-expr`.
    case negate(Expression)

    /// Whether the expression is a scalar (numbers and arithmetic of numbers only).
    public var isScalar: Bool {
        switch self {
        case .number: true
        case .binary(_, let left, let right): left.isScalar && right.isScalar
        case .negate(let inner): inner.isScalar
        default: false
        }
    }
}

/// Which series a selector reads: a metric name and label matchers.
public struct Selector: Equatable, Sendable {
    /// The matchers, `__name__` included when the name was written as a matcher.
    public var matchers: [Matcher]

    public init(matchers: [Matcher]) {
        self.matchers = matchers
    }

    /// The metric name when one is given by equality.
    public var name: String? {
        matchers.first { $0.label == "__name__" && $0.op == .equal }?.value
    }
}

/// One `label op "value"` of a selector.
public struct Matcher: Equatable, Sendable {
    public enum Op: String, Sendable {
        case equal = "=", notEqual = "!=", matches = "=~", notMatches = "!~"
    }

    public var label: String
    public var op: Op
    public var value: String

    public init(_ label: String, _ op: Op, _ value: String) {
        self.label = label
        self.op = op
        self.value = value
    }
}

/// The `*_over_time` functions and `rate`/`increase`.
public enum RangeFunction: String, Sendable, CaseIterable {
    case avgOverTime = "avg_over_time", minOverTime = "min_over_time", maxOverTime = "max_over_time"
    case sumOverTime = "sum_over_time", countOverTime = "count_over_time", stddevOverTime = "stddev_over_time"
    case quantileOverTime = "quantile_over_time", lastOverTime = "last_over_time"
    case rate, increase
}

/// The aggregation operators.
public enum Aggregation: String, Sendable, CaseIterable {
    case sum, avg, min, max, count
}

/// Which labels an aggregation keeps: `by` these, or all but `without` these.
public enum Grouping: Equatable, Sendable {
    case by([String])
    case without([String])
}

/// Arithmetic operators.
public enum BinaryOperator: String, Sendable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", power = "^"

    /// Binding strength: `^` binds tightest, then `* / %`, then `+ -`.
    var precedence: Int {
        switch self {
        case .add, .subtract: 1
        case .multiply, .divide, .modulo: 2
        case .power: 3
        }
    }

    public func apply(_ left: Double, _ right: Double) -> Double {
        switch self {
        case .add: left + right
        case .subtract: left - right
        case .multiply: left * right
        case .divide: left / right
        case .modulo: left.truncatingRemainder(dividingBy: right)
        case .power: Foundation.pow(left, right)
        }
    }
}
