import Model

/// How long rows are kept at each resolution (`--retention 1m=30d,1h=400d,1d=forever`): a
/// file is dropped once the whole of its day is older than its resolution's age limit.
/// Resolutions not named are kept forever.
public struct Retention: Sendable, Equatable, CustomStringConvertible {
    /// Resolution (ns) → age limit (ns); absent: forever.
    public private(set) var limits: [Int64: Int64] = [:]

    /// The resolutions a cluster of base window `window` stores rows at.
    public static func resolutions(window: Step) -> [Step] {
        ShardGroups.resolutions(window: window.nanoseconds).map { Step(nanoseconds: $0)! }
    }

    /// Keeps everything.
    public static let forever = Retention()

    public init() {}

    /// Parses `resolution=age` pairs separated by commas; `resolutions` are the ones this
    /// cluster stores (the base window, an hour, a day). Coarser resolutions must be kept at
    /// least as long as finer ones, or the finer rows could not be rolled up before they go.
    public init(parsing text: String, resolutions: [Step]) throws(RetentionError) {
        for pair in text.split(separator: ",") where !pair.isEmpty {
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw RetentionError("'\(pair)' is not resolution=age (as in 1m=30d)") }
            let resolution: Step
            do { resolution = try Step(parsing: parts[0]) } catch { throw RetentionError("'\(parts[0])': \(error)") }
            guard resolutions.contains(resolution) else {
                throw RetentionError("no rows are stored at \(resolution); the resolutions are \(resolutions.map(\.description).joined(separator: ", "))")
            }
            guard limits[resolution.nanoseconds] == nil else { throw RetentionError("\(resolution) is named twice") }
            if parts[1] == "forever" { continue }
            do { limits[resolution.nanoseconds] = try Step(parsing: parts[1]).nanoseconds } catch { throw RetentionError("'\(parts[1])': \(error) (or forever)") }
        }
        var longest: (Step, Int64)?
        for resolution in resolutions.sorted(by: >) {
            let limit = limits[resolution.nanoseconds] ?? .max
            if let (coarser, coarserLimit) = longest, limit > coarserLimit {
                throw RetentionError("\(resolution) rows would outlive the coarser \(coarser) rows; keep \(coarser) at least as long")
            }
            longest = (resolution, limit)
        }
    }

    /// The age limit at `resolution`, ns (`Int64.max`: forever).
    public func limit(_ resolution: Int64) -> Int64 { limits[resolution] ?? .max }

    /// Whether a file of `day` at `resolution` has aged out at wall time `now`.
    public func expired(day: Int64, resolution: Int64, now: Int64) -> Bool {
        let limit = self.limit(resolution)
        guard limit != .max else { return false }
        let (end, overflow) = (day + 1).multipliedReportingOverflow(by: ShardGroups.dayNanoseconds)
        return !overflow && end <= now - limit
    }

    public var description: String {
        limits.isEmpty ? "forever" : limits.sorted { $0.key < $1.key }
            .map { "\(Step(nanoseconds: $0.key)!)=\(Step(nanoseconds: $0.value)!)" }.joined(separator: ",")
    }
}

/// A `--retention` that cannot be used, with what is wrong with it.
public struct RetentionError: Error, CustomStringConvertible {
    public let description: String
    init(_ problem: String) { description = "invalid --retention: " + problem }
}
