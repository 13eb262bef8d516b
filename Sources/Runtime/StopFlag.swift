import Synchronization

/// A one-way "please stop" shared between a loop thread and whoever asks it to stop.
public final class StopFlag: Sendable {
    private let stopped = Atomic<Bool>(false)

    public init() {}

    /// Whether a stop was requested.
    public var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Requests a stop.
    public func stop() { stopped.store(true, ordering: .releasing) }
}
