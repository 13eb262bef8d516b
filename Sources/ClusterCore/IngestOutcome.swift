import Model

/// What happened to the samples of one batch: how many were taken, and why others were not.
public struct IngestOutcome: Sendable, Equatable {
    /// The most per-sample rejections reported back in detail; all are counted.
    public static let detailsMax = 100

    public var accepted = 0
    public var rejected = 0
    /// Rejections per reason, for `/metrics`.
    public var rejectedByReason: [ValidationError.Reason: Int] = [:]
    /// The first `detailsMax` rejections, by sample index.
    public var details: [(index: Int, error: ValidationError)] = []

    public init() {}

    mutating func reject(_ index: Int, _ error: ValidationError) {
        rejected += 1
        rejectedByReason[error.reason, default: 0] += 1
        if details.count < Self.detailsMax { details.append((index, error)) }
    }

    public static func == (lhs: IngestOutcome, rhs: IngestOutcome) -> Bool {
        lhs.accepted == rhs.accepted && lhs.rejected == rhs.rejected && lhs.rejectedByReason == rhs.rejectedByReason
            && lhs.details.map(\.index) == rhs.details.map(\.index) && lhs.details.map(\.error) == rhs.details.map(\.error)
    }
}
