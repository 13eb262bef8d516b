/// The shard files of one directory: complete files only, never a temporary one.
public enum ShardDirectory {
    /// The file-name suffix of complete shards.
    public static let suffix = ".shard"

    /// Paths of the complete shard files in `directory`, sorted by name. Leftover temporary
    /// files (from a writer that stopped before its rename) are removed.
    public static func shardPaths(in directory: String) throws(StorageError) -> [String] {
        var paths = [String]()
        for name in try FileSystem.list(directory).sorted() {
            if name.hasSuffix(suffix + ShardWriter.temporarySuffix) {
                try FileSystem.remove(directory + "/" + name)
            } else if name.hasSuffix(suffix) {
                paths.append(directory + "/" + name)
            }
        }
        return paths
    }
}
