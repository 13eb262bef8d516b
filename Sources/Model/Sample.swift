/// One measurement as a producer sends it.
public struct Sample: Hashable, Sendable {
    public var name: String
    public var value: Double
    /// When it was measured; `nil` means "use the arrival time".
    public var timestamp: Timestamp?
    public var tags: [Tag]
    public var type: MetricType

    public init(name: String, value: Double, timestamp: Timestamp? = nil, tags: [Tag] = [], type: MetricType = .gauge) {
        self.name = name
        self.value = value
        self.timestamp = timestamp
        self.tags = tags
        self.type = type
    }

    /// The series this sample belongs to.
    public var series: SeriesKey { SeriesKey(name: name, tags: tags) }
}
