import Model
import Synchronization

/// The measurements and tags of line prefixes (`cpu,host=a,region=eu`) that earlier requests
/// parsed and validated, shared by every request of a front: a request parses only prefixes no
/// request has seen. Each request reads a snapshot (one lock to take it) and adds what it
/// learned at its end (one more), so no lock is taken per line. It stops learning once full
/// (`entriesMax`): past that, requests parse their new prefixes themselves, as without it.
public final class LinePrefixCache: Sendable {
    /// A prefix's parsed measurement and validated tags.
    public struct Prefix: Sendable {
        public let measurement: String
        public let tags: [Tag]
    }

    public let entriesMax: Int
    private let entries = Mutex<[[UInt8]: Prefix]>([:])

    public init(entriesMax: Int = 100_000) {
        self.entriesMax = entriesMax
    }

    /// The prefixes known now.
    func snapshot() -> [[UInt8]: Prefix] {
        entries.withLock { $0 }
    }

    /// Adds prefixes a request parsed, while there is room.
    func add(_ learned: [([UInt8], Prefix)]) {
        guard !learned.isEmpty else { return }
        entries.withLock { entries in
            for (bytes, prefix) in learned where entries.count < entriesMax { entries[bytes] = prefix }
        }
    }

    /// Whether no more prefixes are taken.
    var isFull: Bool { entries.withLock { $0.count >= entriesMax } }
}
