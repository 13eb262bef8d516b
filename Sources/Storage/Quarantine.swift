/// The quarantine of a node's data directory: what could not be applied (a partial batch or
/// shard row no state can have, a log record that fails to decode) is set aside here, one
/// line per item naming where it came from and what failed, so an operator can look at it
/// later while the stream goes on. Lines are appended and fsynced; a full disk loses the line,
/// never the node.
public final class Quarantine {
    public let directory: String
    private let path: String

    public init(directory: String) {
        self.directory = directory
        path = directory + "/quarantine.log"
    }

    /// Appends `lines` (each `source: what failed`), prefixed with `time` (RFC 3339 or epoch).
    public func record(_ lines: [String], time: String) {
        guard !lines.isEmpty else { return }
        do {
            try FileSystem.makeDirectory(directory)
            let file = try File(appendingAt: path)
            let text = lines.map { time + " " + $0 + "\n" }.joined()
            try file.write(Array(text.utf8), at: try file.size())
            try file.sync()
        } catch {
            // Counted by the caller already; the item itself is what the log line describes.
        }
    }

    /// Keeps a copy of raw bytes that could not be decoded at all (`name` names the source).
    public func keep(_ bytes: [UInt8], name: String) {
        try? FileSystem.makeDirectory(directory)
        try? AtomicFile.write(bytes, to: directory + "/" + name)
    }
}
