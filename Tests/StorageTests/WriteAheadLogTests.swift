import Foundation
import Storage
import TestSupport
import Testing

/// The write-ahead log: durable records replay in order across reopen; a torn tail is cut;
/// a corrupt record inside the log is skipped and reported, never silently; a failed sync
/// leaves nothing behind.
@Suite struct WriteAheadLogTests {
    static func records(_ log: WriteAheadLog, from position: UInt64 = 0) throws -> (payloads: [[UInt8]], corrupt: [UInt64]) {
        var payloads = [[UInt8]]()
        var corrupt = [UInt64]()
        try log.replay(from: position, corrupt: { position, _ in corrupt.append(position) }) { _, payload in payloads.append(payload) }
        return (payloads, corrupt)
    }

    @Test func recordsReplayInOrderAcrossSegmentsAndReopen() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = try WriteAheadLog(directory: directory.path, segmentBytesMax: 64)
        var ends = [UInt64]()
        for n in 0..<20 {
            ends.append(log.append(Array(repeating: UInt8(n), count: n + 1)))
            if n % 3 == 0 { try log.sync() }
        }
        try log.sync()
        let reopened = try WriteAheadLog(directory: directory.path, segmentBytesMax: 64)
        #expect(reopened.endPosition == ends.last)
        #expect(try Self.records(reopened).payloads == (0..<20).map { Array(repeating: UInt8($0), count: $0 + 1) })
        // Replay from a position skips what lies before it.
        #expect(try Self.records(reopened, from: ends[9]).payloads.count == 10)
        // Truncation deletes whole segments at or before the position, never later records.
        try reopened.truncate(before: ends[15])
        #expect(try Self.records(reopened, from: ends[15]).payloads.count == 4)
    }

    @Test func aTornTailIsCutAndACorruptRecordInsideIsSkippedAndReported() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = try WriteAheadLog(directory: directory.path)
        let first = log.append([1, 2, 3, 4])
        log.append([5, 6, 7, 8])
        log.append([9, 10])
        try log.sync()
        let segment = directory.path + "/" + (try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".log") }!)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[Int(first) + 8] ^= 0xFF          // the second record's first payload byte
        bytes += [7, 0, 0, 0, 1, 2]            // a torn record at the end
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let reopened = try WriteAheadLog(directory: directory.path)
        let (payloads, corrupt) = try Self.records(reopened)
        #expect(payloads == [[1, 2, 3, 4], [9, 10]])
        #expect(corrupt == [first])
        #expect(reopened.endPosition == UInt64(bytes.count - 6))
    }

    @Test func discardedRecordsLeaveNothingBehind() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = try WriteAheadLog(directory: directory.path)
        let kept = log.append([1])
        try log.sync()
        log.append([2, 2])
        log.discardPending()
        #expect(log.endPosition == kept && !log.hasPending)
        log.append([3])
        try log.sync()
        #expect(try Self.records(try WriteAheadLog(directory: directory.path)).payloads == [[1], [3]])
    }
}
