import Synchronization

/// The shard files open for reading, shared by the readers of one process and bounded: at most
/// `limit` descriptors are kept, the least recently used closed first when another file must be
/// opened (a read in progress keeps its descriptor until it ends). Readers hold their index in
/// memory and reach their file's blocks through this, so descriptors stay bounded however many
/// files a reducer has.
public final class OpenFiles: Sendable {
    public let limit: Int

    private struct State {
        var files: [String: (file: File, used: UInt64)] = [:]
        var clock: UInt64 = 0
        var opens = 0
    }

    private let state = Mutex(State())

    public init(limit: Int) {
        precondition(limit >= 1, "at least one file must stay open")
        self.limit = limit
    }

    /// Descriptors held now.
    public var openCount: Int { state.withLock { $0.files.count } }

    /// Files opened so far (each reopening after an eviction counts).
    public var opens: Int { state.withLock { $0.opens } }

    /// The open file at `path`, opened (evicting the least recently used past `limit`) when not.
    func file(_ path: String) throws(StorageError) -> File {
        let known: File? = state.withLock { state in
            guard let entry = state.files[path] else { return nil }
            state.clock += 1
            state.files[path] = (entry.file, state.clock)
            return entry.file
        }
        if let known { return known }
        let opened = try File(readingAt: path)
        return state.withLock { state in
            state.clock += 1
            if let raced = state.files[path] {
                state.files[path] = (raced.file, state.clock)
                return raced.file
            }
            while state.files.count >= limit, let oldest = state.files.min(by: { $0.value.used < $1.value.used })?.key {
                state.files[oldest] = nil
            }
            state.files[path] = (opened, state.clock)
            state.opens += 1
            return opened
        }
    }

    /// Closes `path` (a file removed, say); the next read opens it again.
    public func close(_ path: String) {
        state.withLock { _ = $0.files.removeValue(forKey: path) }
    }
}
