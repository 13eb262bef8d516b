import Codec

/// An append-only log of records in segment files, for crash recovery.
///
/// Positions are byte offsets over the whole log (they keep growing across segments), so a
/// record's position names it for good. A segment is named after the position of its first
/// byte (`wal-0000000000001000.log`). Each record is `length u32, crc32c u32, payload`; a torn
/// record at the end (a crash mid-write) is detected by its length or checksum and cut off.
///
/// Appends are buffered; `sync()` writes them and fsyncs once (group commit). Not thread-safe:
/// one owner.
public final class WriteAheadLog {
    public let directory: String
    /// Start a new segment once the current one is larger than this.
    public let segmentBytesMax: Int
    /// The position after the last appended record (buffered or not).
    public private(set) var endPosition: UInt64
    /// The position of the oldest record kept.
    public private(set) var startPosition: UInt64
    private var segments: [UInt64]
    private var current: File?
    private var currentStart: UInt64
    private var pending = ByteWriter()
    private var pendingStart: UInt64
    /// Written to the current segment but not yet fsynced (`sync(fsync: false)`).
    private var unsynced = false

    static let recordHeaderSize = 8
    /// Largest record accepted (a sanity bound when reading).
    public static let recordBytesMax = 256 << 20

    /// Opens (or creates) the log in `directory`, cutting off a torn tail.
    public init(directory: String, segmentBytesMax: Int = 64 << 20) throws {
        self.directory = directory
        self.segmentBytesMax = segmentBytesMax
        try FileSystem.makeDirectory(directory)
        segments = try FileSystem.list(directory).compactMap(Self.segmentStart).sorted()
        var end: UInt64 = segments.first ?? 0
        if let last = segments.last {
            let path = Self.path(directory, last)
            let valid = try Self.scan(path: path) { _, _ in }
            let size = try File(readingAt: path).size()
            if valid < size { try FileSystem.truncate(path, to: valid) }
            end = last + UInt64(valid)
        }
        startPosition = segments.first ?? 0
        endPosition = end
        currentStart = segments.last ?? end
        pendingStart = end
        if let last = segments.last {
            current = try File(appendingAt: Self.path(directory, last))
        }
    }

    /// Appends a record (buffered until `sync`) and returns the position just after it.
    @discardableResult
    public func append(_ payload: [UInt8]) -> UInt64 {
        pending.append(UInt32(payload.count))
        pending.append(CRC32C.checksum(payload))
        pending.append(bytes: payload)
        endPosition += UInt64(Self.recordHeaderSize + payload.count)
        return endPosition
    }

    /// Whether appended records are waiting for `sync`.
    public var hasPending: Bool { pending.count > 0 }

    /// Writes buffered records and fsyncs them: after this returns they survive a crash of the
    /// machine. With `fsync: false` they are only written (they survive a crash of the process,
    /// not of the machine) and the fsync is left to a later `sync()`.
    public func sync(fsync: Bool = true) throws(StorageError) {
        if pending.count > 0 {
            if current == nil || pendingStart - currentStart >= UInt64(segmentBytesMax) {
                try startSegment(at: pendingStart)
            }
            try current!.write(pending.bytes, at: Int(pendingStart - currentStart))
            unsynced = true
        }
        if fsync && unsynced {
            try current!.sync()
            unsynced = false
        }
        if pending.count > 0 {
            pendingStart = endPosition
            pending = ByteWriter()
        }
    }

    /// Drops the records appended since the last successful `sync` (after it failed, e.g. on a
    /// full disk): the log ends where it last ended durably, and any bytes a failed write left
    /// past that point are cut off.
    public func discardPending() {
        pending = ByteWriter()
        endPosition = pendingStart
        if let current, let size = try? current.size(), size > Int(pendingStart - currentStart) {
            try? FileSystem.truncate(current.path, to: Int(pendingStart - currentStart))
        }
    }

    private func startSegment(at position: UInt64) throws(StorageError) {
        if unsynced {
            try current?.sync()
            unsynced = false
        }
        let path = Self.path(directory, position)
        current = try File(creatingAt: path)
        currentStart = position
        segments.append(position)
        try FileSystem.syncDirectory(directory)
    }

    /// Calls `body(position after record, payload)` for every durable record at or after
    /// `position`, oldest first; `corrupt(position, length)` for each record inside the log
    /// that fails its checksum (skipped, never silently).
    public func replay(from position: UInt64, corrupt: (UInt64, Int) throws -> Void = { _, _ in },
                       _ body: (UInt64, [UInt8]) throws -> Void) throws {
        for (index, start) in segments.enumerated() {
            let end = index + 1 < segments.count ? segments[index + 1] : pendingStart
            guard end > position || index + 1 == segments.count else { continue }
            _ = try Self.scan(path: Self.path(directory, start), corrupt: { offset, length in
                if start + UInt64(offset) >= position { try corrupt(start + UInt64(offset), length) }
            }) { offset, payload in
                let after = start + UInt64(offset)
                if after > position { try body(after, payload) }
            }
        }
    }

    /// Deletes whole segments that end at or before `position` (never the current one).
    public func truncate(before position: UInt64) throws(StorageError) {
        while segments.count > 1, segments[1] <= position {
            try FileSystem.remove(Self.path(directory, segments.removeFirst()))
        }
        startPosition = segments.first ?? endPosition
    }

    /// Starts a fresh segment at the current end, so that everything older can be deleted by
    /// `truncate(before: endPosition)`.
    public func rotate() throws(StorageError) {
        try sync()
        if currentStart != endPosition { try startSegment(at: endPosition) }
    }

    /// Bytes of the log on disk.
    public var sizeBytes: UInt64 { pendingStart - startPosition }

    static func path(_ directory: String, _ start: UInt64) -> String {
        let hex = String(start, radix: 16)
        return directory + "/wal-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".log"
    }

    static func segmentStart(_ name: String) -> UInt64? {
        guard name.hasPrefix("wal-"), name.hasSuffix(".log") else { return nil }
        return UInt64(name.dropFirst(4).dropLast(4), radix: 16)
    }

    /// Reads records from the start of a segment; returns the length of its valid prefix.
    /// `body` gets (offset after the record within the segment, payload). A record that fails
    /// its checksum but is followed by a good one is corruption inside the log, not a torn
    /// tail: it is skipped and reported to `corrupt` (its offset and length), and the records
    /// after it are kept. A bad record with nothing good after it is a torn tail and ends the scan.
    static func scan(path: String, corrupt: (Int, Int) throws -> Void = { _, _ in }, _ body: (Int, [UInt8]) throws -> Void) throws -> Int {
        let file = try File(readingAt: path)
        let size = try file.size()
        let bytes = try file.read(count: size, at: 0)
        var offset = 0
        while let (length, valid) = record(in: bytes, at: offset) {
            let end = offset + recordHeaderSize + length
            if valid {
                try body(end, Array(bytes[(offset + recordHeaderSize)..<end]))
            } else if record(in: bytes, at: end)?.valid == true {
                try corrupt(offset, length)
            } else {
                break
            }
            offset = end
        }
        return offset
    }

    /// The record at `offset`: its length and whether its checksum holds; `nil` when no whole
    /// record fits there.
    static func record(in bytes: [UInt8], at offset: Int) -> (length: Int, valid: Bool)? {
        guard bytes.count - offset >= recordHeaderSize else { return nil }
        var reader = ByteReader(bytes, range: offset..<bytes.count, subject: "log record")
        guard let length = try? Int(reader.read(UInt32.self, "length")), let checksum = try? reader.read(UInt32.self, "checksum"),
              length <= recordBytesMax, reader.remaining >= length else { return nil }
        let start = offset + recordHeaderSize
        let computed = CRC32C.checksum(bytes, range: start..<(start + length))
        return (length, computed == checksum)
    }
}
