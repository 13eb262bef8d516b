import Model

/// How final a query's answer is. A reducer seals a window once the cluster's watermark has
/// passed its end by the allowed lateness; until then the window is open and may still grow
/// as samples arrive. (A sealed window still takes late samples, as corrections.) Every
/// answer says so: the watermark, the first open bucket, and the sketch's quantile error bound.
public struct Finality: Sendable, Equatable {
    /// The cluster's event-time watermark (epoch nanoseconds), `nil` before any mapper reported one.
    public var watermark: Int64?
    /// How long after the watermark passes a window's end it is sealed, in nanoseconds: the
    /// largest any live reducer reports.
    public var latenessNanoseconds: Int64
    /// The quantile sketch's relative error bound (0.01: within 1 %).
    public var quantileRelativeError: Double

    /// A reducer's lateness when none reported one (the reducers' default).
    public static let defaultLatenessMs = 30_000.0

    public init(watermark: Int64?, latenessNanoseconds: Int64, quantileRelativeError: Double) {
        self.watermark = watermark
        self.latenessNanoseconds = latenessNanoseconds
        self.quantileRelativeError = quantileRelativeError
    }

    /// The finality in force in `view`: its watermark, the largest lateness a live reducer
    /// reports, and the map's sketch accuracy.
    public init(_ view: ClusterView) {
        let lateness = view.nodes.filter { $0.alive && $0.report.role == .reducer }
            .compactMap { $0.report.figures["allowed_lateness_ms"] }.max() ?? Self.defaultLatenessMs
        self.init(watermark: view.watermark, latenessNanoseconds: Int64(lateness * 1e6), quantileRelativeError: view.map.sketchAccuracy)
    }

    /// The start of the first bucket of `step` that is still open: every bucket before it is
    /// sealed, it and every later one may grow. Before any watermark, the range's first bucket.
    public func openFrom(step: Int64, from: Int64) -> Int64 {
        guard let watermark else { return from.floorDivided(by: step) * step }
        return (watermark &- latenessNanoseconds).floorDivided(by: step) * step
    }

    /// Whether the bucket starting at `start` is still open.
    public func isOpen(bucket start: Int64, step: Int64) -> Bool {
        start >= openFrom(step: step, from: start)
    }
}
