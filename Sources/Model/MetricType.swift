/// How a metric's samples are meant: the aggregation is the same, the reading differs.
public enum MetricType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// A level sampled over time (temperature, queue depth): read `avg`, `last`, `min`/`max`.
    case gauge = 0
    /// Increments (requests served): read `sum`, and `rate` as increments per second.
    case counter = 1
    /// Durations or sizes: read quantiles (`p50`, `p99`) and `avg`.
    case timer = 2

    /// Parses `gauge`, `counter` or `timer`.
    public init?(name: some StringProtocol) {
        switch name {
        case "gauge": self = .gauge
        case "counter": self = .counter
        case "timer": self = .timer
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .gauge: "gauge"
        case .counter: "counter"
        case .timer: "timer"
        }
    }
}
