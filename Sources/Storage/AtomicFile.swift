/// Replaces a small file atomically: temporary file, fsync, rename, fsync of the directory.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(StorageError) {
        let temporary = path + ".tmp"
        let file = try File(creatingAt: temporary)
        try file.write(bytes, at: 0)
        try file.sync()
        try FileSystem.rename(temporary, to: path)
        try FileSystem.syncDirectory(FileSystem.directory(of: path))
    }

    /// Deletes a file if it exists.
    public static func remove(_ path: String) throws(StorageError) {
        try FileSystem.remove(path)
    }

    /// Creates a directory and its parents.
    public static func makeDirectory(_ path: String) throws(StorageError) {
        try FileSystem.makeDirectory(path)
    }

    /// Renames atomically (both paths on one file system).
    public static func rename(_ from: String, to: String) throws(StorageError) {
        try FileSystem.rename(from, to: to)
    }

    /// Names of a directory's entries.
    public static func list(_ path: String) throws(StorageError) -> [String] {
        try FileSystem.list(path)
    }
}
