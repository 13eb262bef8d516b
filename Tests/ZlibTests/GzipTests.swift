import Foundation
import Testing
import Zlib

@Suite struct GzipTests {
    /// gzip output of the system's own `gzip` tool, so the test does not compress with the code under test.
    func gzipped(_ data: [UInt8]) throws -> [UInt8] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("windrow-gzip-\(UInt64.random(in: 0...UInt64.max))")
        try Data(data).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", input.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(output)
    }

    @Test func roundTripsWhatGzipWrote() throws {
        let text = Array((0..<20_000).map { "cpu,host=h\($0 % 7) value=\($0)\n" }.joined().utf8)
        #expect(try Gzip.decompress(gzipped(text), limit: 1 << 24) == text)
        // Two members back to back, as some clients stream them.
        #expect(try Gzip.decompress(gzipped(Array("a=1\n".utf8)) + gzipped(Array("b=2\n".utf8)), limit: 100) == Array("a=1\nb=2\n".utf8))
    }

    @Test func boundsAndCorruption() throws {
        let big = try gzipped([UInt8](repeating: 65, count: 1 << 20))
        #expect(throws: Gzip.Failure.tooLarge(limit: 1000)) { try Gzip.decompress(big, limit: 1000) }
        var corrupt = big
        corrupt[corrupt.count / 2] ^= 0xFF
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(corrupt, limit: 1 << 22) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Array(big.prefix(big.count / 2)), limit: 1 << 22) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Array("not gzip".utf8), limit: 100) }
    }
}
