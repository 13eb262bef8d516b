#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor, closed in `deinit`. Reads and writes use explicit offsets
/// (`pread`/`pwrite`), so no file position is shared.
///
/// `@unchecked Sendable`: the descriptor is immutable after `init` and `pread` at explicit
/// offsets is safe from several threads at once; writes are only done by the creating owner.
final class File: @unchecked Sendable {
    let descriptor: Int32
    let path: String

    /// Opens `path` for reading.
    init(readingAt path: String) throws(StorageError) {
        descriptor = try retrying("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        self.path = path
    }

    /// Creates (or truncates) `path` for writing.
    init(creatingAt path: String) throws(StorageError) {
        descriptor = try retrying("create", path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        self.path = path
    }

    /// Opens (or creates) `path` for writing at explicit offsets, keeping its contents.
    init(appendingAt path: String) throws(StorageError) {
        descriptor = try retrying("open", path) { open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644) }
        self.path = path
    }

    deinit { close(descriptor) }

    /// The file's size in bytes.
    func size() throws(StorageError) -> Int {
        var info = stat()
        _ = try retrying("stat", path) { fstat(descriptor, &info) }
        return Int(info.st_size)
    }

    /// Reads exactly `count` bytes at `offset`, or fails naming the shortfall.
    func read(count: Int, at offset: Int) throws(StorageError) -> [UInt8] {
        var failure: StorageError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let result = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if result < 0 && errno == EINTR { continue }
                if result < 0 { failure = .system("read", path: path, code: errno); break }
                if result == 0 {
                    failure = .corrupt(.truncated("file", got: done, want: count, in: "bytes at offset \(offset)"), path: path)
                    break
                }
                done += result
            }
            initialized = failure == nil ? count : 0
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: [UInt8], at offset: Int) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if result < 0 && errno == EINTR { continue }
            if result < 0 { throw .system("write", path: path, code: errno) }
            done += result
        }
    }

    /// Forces written data to stable storage.
    func sync() throws(StorageError) {
        _ = try retrying("fsync", path) { fsync(descriptor) }
    }
}

/// File-system operations on paths, each failing with the path and the system's reason.
enum FileSystem {
    /// Renames atomically (both paths on one file system).
    static func rename(_ from: String, to: String) throws(StorageError) {
        _ = try retrying("rename to \(to)", from) { Glibc.rename(from, to) }
    }

    /// Makes the directory's entries (a rename, a new file) durable.
    static func syncDirectory(_ path: String) throws(StorageError) {
        let descriptor = try retrying("open directory", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(descriptor) }
        _ = try retrying("fsync directory", path) { fsync(descriptor) }
    }

    /// Removes a file; a missing file is not an error.
    static func remove(_ path: String) throws(StorageError) {
        if unlink(path) != 0 && errno != ENOENT { throw .system("unlink", path: path, code: errno) }
    }

    /// Creates a directory and its parents; an existing one is fine.
    static func makeDirectory(_ path: String) throws(StorageError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST { throw .system("mkdir", path: partial, code: errno) }
        }
    }

    /// Cuts a file to `length` bytes and fsyncs it.
    static func truncate(_ path: String, to length: Int) throws(StorageError) {
        _ = try retrying("truncate", path) { Glibc.truncate(path, off_t(length)) }
        try File(appendingAt: path).sync()
    }

    /// The names of the entries of a directory (without `.` and `..`).
    static func list(_ path: String) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else { throw .system("opendir", path: path, code: errno) }
        defer { closedir(directory) }
        var names = [String]()
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The directory part of a path (`.` when there is none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Runs a system call that returns -1 on failure, retrying after `EINTR`.
@discardableResult
func retrying(_ operation: String, _ path: String, _ call: () -> Int32) throws(StorageError) -> Int32 {
    while true {
        let result = call()
        if result >= 0 { return result }
        if errno == EINTR { continue }
        throw .system(operation, path: path, code: errno)
    }
}

/// The system's text for an `errno` value.
func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
