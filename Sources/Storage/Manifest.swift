import Codec
import Synchronization

/// One shard file as the manifest knows it: where it belongs and what it holds.
public struct ManifestFile: Hashable, Sendable {
    /// The file name inside the shard directory.
    public var name: String
    public var partition: UInt32
    /// The UTC day (days since the epoch) whose windows it holds.
    public var day: Int64
    /// The files written together (a seal's file of one partition and day, or a compaction's
    /// output at every resolution) share a group; they hold the same data.
    public var group: String
    /// 0 for a seal's file; a compaction's output is one level above its highest input.
    public var level: UInt8
    /// The length of its rows' windows, ns (the base window, an hour or a day).
    public var resolution: Int64
    public var bytes: UInt64
    public var rows: UInt64

    public init(name: String, partition: UInt32, day: Int64, group: String, level: UInt8, resolution: Int64, bytes: UInt64, rows: UInt64) {
        self.name = name
        self.partition = partition
        self.day = day
        self.group = group
        self.level = level
        self.resolution = resolution
        self.bytes = bytes
        self.rows = rows
    }
}

/// One change of the manifest, applied whole or not at all: files added, files removed, and
/// the owner's state (its checkpoint) as of the change (`nil`: unchanged, as when a compaction
/// replaces files while seals move the checkpoint on).
public struct ManifestEdit: Equatable, Sendable {
    public var added: [ManifestFile]
    public var removed: [String]
    public var state: [UInt8]?

    public init(added: [ManifestFile] = [], removed: [String] = [], state: [UInt8]?) {
        self.added = added
        self.removed = removed
        self.state = state
    }
}

/// What the manifest says now: its version (the number of edits ever applied), the live files
/// by name, and the owner's state.
public struct ManifestState: Equatable, Sendable {
    public var version: UInt64 = 0
    public var files: [String: ManifestFile] = [:]
    public var state: [UInt8] = []

    public init() {}

    mutating func apply(_ edit: ManifestEdit) {
        version += 1
        for name in edit.removed { files.removeValue(forKey: name) }
        for file in edit.added { files[file.name] = file }
        if let new = edit.state { state = new }
    }
}

/// A crash-safe, incremental list of the live shard files, kept as LevelDB keeps its own: a
/// log of versioned edits (`MANIFEST-n`, each record length- and CRC-32C-framed and fsynced
/// before the edit counts) named by `CURRENT`. Once the log outgrows `rotateBytes`, a new log
/// starting with one edit that holds the whole state replaces it (`CURRENT` is rewritten
/// atomically). A record torn by a crash at the log's end is dropped; damage anywhere else
/// stops recovery with an error naming the place, since dropping later edits would disown
/// live files.
public final class Manifest: Sendable {
    public let directory: String
    let rotateBytes: Int
    private struct Log {
        var number: UInt64
        var file: File
        var size: Int
    }

    /// Held by the writer of an edit through its I/O.
    private let log: Mutex<Log>
    /// Held only to read or replace the state, never across I/O: readers (the loop's figures)
    /// do not wait for an edit's fsync.
    private let current: Mutex<ManifestState>

    static let magic = Array("WNDMANIF".utf8)

    /// Opens the manifest of `directory`, or starts one holding `initial` (an upgrade from an
    /// older commit point, or an empty state) when there is none.
    public init(directory: String, initial: () throws -> ManifestEdit, rotateBytes: Int = 4 << 20) throws {
        self.directory = directory
        self.rotateBytes = rotateBytes
        if let number = try Self.currentNumber(directory) {
            let path = Self.path(directory, number)
            let (state, valid) = try Self.read(path)
            let file = try File(appendingAt: path)
            if valid < (try file.size()) { try FileSystem.truncate(path, to: valid) }
            log = Mutex(Log(number: number, file: file, size: valid))
            current = Mutex(state)
        } else {
            var state = ManifestState()
            state.apply(try initial())
            let file = try Self.start(directory, number: 1, state: state)
            log = Mutex(Log(number: 1, file: file.0, size: file.1))
            current = Mutex(state)
        }
        for name in try FileSystem.list(directory) where name.hasPrefix("MANIFEST-") && name != "MANIFEST-\(log.withLock { $0.number })" {
            try FileSystem.remove(directory + "/" + name)
        }
    }

    /// Reads the manifest of `directory` without changing anything (a torn last record is
    /// skipped, not cut off); `nil` when it has none.
    public static func peek(directory: String) throws -> ManifestState? {
        guard let number = try currentNumber(directory) else { return nil }
        return try read(path(directory, number)).0
    }

    /// The number of the log `CURRENT` names; `nil` when there is no `CURRENT`.
    static func currentNumber(_ directory: String) throws -> UInt64? {
        let currentPath = directory + "/CURRENT"
        guard let named = try? File(readingAt: currentPath) else { return nil }
        let text = String(decoding: try named.read(count: try named.size(), at: 0), as: UTF8.self)
        guard text.hasPrefix("MANIFEST-"), let number = UInt64(text.dropFirst(9).prefix { $0.isNumber }) else {
            throw StorageError.corrupt(.invalid("CURRENT", "names '\(text.prefix(40))', not a MANIFEST-n file", in: "manifest"), path: currentPath)
        }
        return number
    }

    /// The state after every edit applied so far.
    public var state: ManifestState { current.withLock { $0 } }

    /// Applies `edit` durably: once this returns, recovery sees it. On a failure the edit did
    /// not count (the log is cut back to its previous end).
    @discardableResult
    public func apply(_ edit: ManifestEdit) throws -> ManifestState {
        try log.withLock { (log: inout Log) throws -> ManifestState in
            // Only a holder of `log` changes the state, so it stays as read here until the end.
            var state = current.withLock { $0 }
            let record = Self.frame(Self.encode(edit, version: state.version + 1))
            do {
                try log.file.write(record, at: log.size)
                try log.file.sync()
            } catch {
                try? FileSystem.truncate(Self.path(directory, log.number), to: log.size)
                throw error
            }
            log.size += record.count
            state.apply(edit)
            current.withLock { [state] in $0 = state }
            if log.size > rotateBytes {
                // The old log stays valid until CURRENT names the new one.
                if let (file, size) = try? Self.start(directory, number: log.number + 1, state: state) {
                    try? FileSystem.remove(Self.path(directory, log.number))
                    log.number += 1
                    log.file = file
                    log.size = size
                }
            }
            return state
        }
    }

    /// Writes `MANIFEST-number` holding `state` as one edit, fsyncs it and points `CURRENT` at it.
    static func start(_ directory: String, number: UInt64, state: ManifestState) throws -> (File, Int) {
        let path = self.path(directory, number)
        let whole = ManifestEdit(added: state.files.values.sorted { $0.name < $1.name }, removed: [], state: state.state)
        let bytes = magic + frame(encode(whole, version: state.version))
        let file = try File(creatingAt: path)
        try file.write(bytes, at: 0)
        try file.sync()
        try FileSystem.syncDirectory(directory)
        try AtomicFile.write(Array("MANIFEST-\(number)\n".utf8), to: directory + "/CURRENT")
        return (try File(appendingAt: path), bytes.count)
    }

    static func path(_ directory: String, _ number: UInt64) -> String { directory + "/MANIFEST-\(number)" }

    /// The state a log holds and the length of its valid records.
    static func read(_ path: String) throws -> (ManifestState, Int) {
        let file = try File(readingAt: path)
        let bytes = try file.read(count: try file.size(), at: 0)
        guard bytes.starts(with: magic) else {
            throw StorageError.corrupt(.invalid("magic", "not a Windrow manifest", in: "manifest"), path: path)
        }
        var state = ManifestState()
        var position = magic.count
        var first = true
        while position < bytes.count {
            let subject = "manifest record at byte \(position)"
            guard bytes.count - position >= 8 else { break }
            var head = ByteReader(bytes, range: position..<position + 8, subject: subject)
            let length = Int(try head.read(UInt32.self, "length"))
            let checksum = try head.read(UInt32.self, "checksum")
            let end = position + 8 + length
            // A record that runs past the end was being written when the process stopped.
            guard end <= bytes.count else { break }
            let computed = CRC32C.checksum(bytes, range: position + 8..<end)
            guard computed == checksum else {
                if end == bytes.count { break }
                throw StorageError.corrupt(.checksumMismatch(got: computed, want: checksum, in: subject), path: path)
            }
            do {
                let (edit, version) = try decode(bytes, range: position + 8..<end, subject: subject)
                if first { state.version = version - 1 }
                guard version == state.version + 1 else {
                    throw DecodeError.invalid("version", "got \(version) after \(state.version)", in: subject)
                }
                state.apply(edit)
            } catch let error as DecodeError {
                throw StorageError.corrupt(error, path: path)
            }
            first = false
            position = end
        }
        return (state, position)
    }

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(capacity: payload.count + 8)
        writer.append(UInt32(payload.count))
        writer.append(CRC32C.checksum(payload))
        writer.append(bytes: payload)
        return writer.bytes
    }

    static func encode(_ edit: ManifestEdit, version: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + edit.added.count * 64 + (edit.state?.count ?? 0))
        writer.append(version)
        writer.append(UInt8(edit.state == nil ? 0 : 1))
        writer.appendVarint(UInt64(edit.state?.count ?? 0))
        writer.append(bytes: edit.state ?? [])
        writer.appendVarint(UInt64(edit.added.count))
        for file in edit.added {
            writer.appendString(file.name)
            writer.append(file.partition)
            writer.append(file.day)
            writer.appendString(file.group)
            writer.append(file.level)
            writer.append(file.resolution)
            writer.append(file.bytes)
            writer.append(file.rows)
        }
        writer.appendVarint(UInt64(edit.removed.count))
        for name in edit.removed { writer.appendString(name) }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], range: Range<Int>, subject: String) throws(DecodeError) -> (ManifestEdit, UInt64) {
        var reader = ByteReader(bytes, range: range, subject: subject)
        let version = try reader.read(UInt64.self, "version")
        let hasState = try reader.read(UInt8.self, "state flag")
        guard hasState <= 1 else { throw .invalid("state flag", "\(hasState) is neither 0 nor 1", in: subject) }
        let stateLength = try reader.readCount("state length", limit: range.count)
        let state = Array(try reader.readBytes(stateLength, "state"))
        let addedCount = try reader.readCount("added count", limit: range.count / 40)
        var added = [ManifestFile]()
        added.reserveCapacity(addedCount)
        for _ in 0..<addedCount {
            added.append(ManifestFile(
                name: try reader.readString("file name", limit: 256), partition: try reader.read(UInt32.self, "partition"),
                day: try reader.read(Int64.self, "day"), group: try reader.readString("group", limit: 256),
                level: try reader.read(UInt8.self, "level"), resolution: try reader.read(Int64.self, "resolution"),
                bytes: try reader.read(UInt64.self, "bytes"), rows: try reader.read(UInt64.self, "rows")))
        }
        let removedCount = try reader.readCount("removed count", limit: range.count)
        var removed = [String]()
        for _ in 0..<removedCount { removed.append(try reader.readString("removed name", limit: 256)) }
        try reader.expectEnd()
        return (ManifestEdit(added: added, removed: removed, state: hasState == 1 ? state : nil), version)
    }
}
