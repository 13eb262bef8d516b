import Aggregation
import Foundation
import Model
import Storage
import Testing
import TestSupport

/// Readers sharing a bounded set of descriptors read what readers with their own read, and
/// never hold more than the limit open (counted in /proc/self/fd, too).
@Suite struct OpenFilesTests {
    /// Descriptors this process holds on files under `directory`. Other suites run in parallel
    /// in the same process, so only this test's own files are counted.
    static func descriptors(under directory: String) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { fd in
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)
            return target?.hasPrefix(directory + "/") == true
        }.count
    }

    @Test func readersShareAtMostTheLimitOfDescriptors() throws {
        let directory = TemporaryDirectory("open-files")
        defer { directory.remove() }
        var random = SeededGenerator(seed: 0xf11e5)
        var paths = [String]()
        for file in 0..<8 {
            let (series, rows) = ShardTests.makeRows(300, seriesCount: 12, sketches: file % 2 == 0, using: &random)
            let path = directory.path + "/p\(file).shard"
            let metadata = ShardMetadata(partition: UInt32(file), windowNanoseconds: ShardTests.minute, sketchMapping: file % 2 == 0 ? .standard : nil)
            try ShardWriter(rowsPerBlockMax: 32).write(metadata: metadata, series: series, rows: rows, to: path)
            paths.append(path)
        }
        let files = OpenFiles(limit: 3)
        let shared = try paths.map { try ShardReader(path: $0, files: files) }
        #expect(files.openCount <= 3 && Self.descriptors(under: directory.path) <= 3)
        for round in 0..<3 {
            for (reader, path) in zip(shared, paths).shuffled(using: &random) {
                let own = try ShardReader(path: path)
                #expect(try reader.verify() == own.verify(), "round \(round): \(path)")
                #expect(files.openCount <= 3)
                // The counter sees this test's files: the shared ones and the one read on its own.
                #expect((1...4).contains(Self.descriptors(under: directory.path)))
            }
        }
        #expect(files.opens > paths.count, "files closed for others were opened again")
        #expect(Self.descriptors(under: directory.path) <= 3)
        // A file that does not check out keeps no descriptor.
        try Data("not a shard".utf8).write(to: URL(fileURLWithPath: directory.path + "/bad.shard"))
        let open = files.openCount
        #expect(throws: StorageError.self) { try ShardReader(path: directory.path + "/bad.shard", files: files) }
        #expect(files.openCount <= open)
    }
}
