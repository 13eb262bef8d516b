/// Copies a file between processes in pieces (a partition's shard files moving to another
/// reducer): pieces read at offsets, and a copy written piece by piece and made durable whole.
public enum FileCopy {
    /// Up to `count` bytes of `path` from `offset` (fewer at its end, none past it).
    public static func read(_ path: String, offset: Int, count: Int) throws(StorageError) -> [UInt8] {
        let file = try File(readingAt: path)
        let size = try file.size()
        guard offset < size else { return [] }
        return try file.read(count: min(count, size - offset), at: offset)
    }

    /// The size of `path` in bytes.
    public static func size(_ path: String) throws(StorageError) -> Int {
        try File(readingAt: path).size()
    }

    /// A copy being written: pieces in order, then `finish` syncs the file and its directory.
    public final class Sink {
        let path: String
        let file: File
        public private(set) var written = 0

        /// Creates (or empties) the file at `path`.
        public init(path: String) throws(StorageError) {
            self.path = path
            file = try File(creatingAt: path)
        }

        /// Appends the next piece.
        public func append(_ piece: [UInt8]) throws(StorageError) {
            try file.write(piece, at: written)
            written += piece.count
        }

        /// Makes the copy durable: the file's bytes, then its directory entry.
        public func finish() throws(StorageError) {
            try file.sync()
            try FileSystem.syncDirectory(FileSystem.directory(of: path))
        }
    }
}
