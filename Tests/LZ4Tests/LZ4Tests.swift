import LZ4
import TestSupport
import Testing

@Suite struct LZ4Tests {
    @Test func roundTripsRandomAndRepetitiveData() throws {
        var random = SeededGenerator(seed: 5)
        for size in [0, 1, 15, 16, 300, 65_536, 1_000_003] {
            let repetitive = (0..<size).map { UInt8(truncatingIfNeeded: $0 / 13) }
            let noisy = (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
            for input in [repetitive, noisy] {
                let block = try LZ4.compress(input)
                #expect(block.count <= LZ4.compressBound(size))
                #expect(try LZ4.decompress(block, originalSize: size, limit: size) == input)
            }
        }
    }

    @Test func wrongDeclaredSizeIsCorrupt() throws {
        let input = [UInt8](repeating: 7, count: 1000)
        let block = try LZ4.compress(input)
        #expect(throws: LZ4Error.self) { try LZ4.decompress(block, originalSize: 999, limit: 2000) }
        #expect(throws: LZ4Error.self) { try LZ4.decompress(block, originalSize: 1001, limit: 2000) }
        #expect(throws: LZ4Error.self) { try LZ4.decompress(block, originalSize: 1000, limit: 999) }
    }

    @Test func corruptBlocksNeverCrash() throws {
        var random = SeededGenerator(seed: 6)
        let input = (0..<4096).map { UInt8(truncatingIfNeeded: $0 % 100) }
        let block = try LZ4.compress(input)
        var rejected = 0
        for _ in 0..<2000 {
            var damaged = block
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                damaged[Int.random(in: 0..<damaged.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) { damaged.removeLast(Int.random(in: 0..<damaged.count, using: &random)) }
            do {
                let output = try LZ4.decompress(damaged, originalSize: input.count, limit: input.count)
                #expect(output.count == input.count)
            } catch {
                #expect(error.isCorrupt)
                rejected += 1
            }
        }
        #expect(rejected > 0)
        for _ in 0..<500 {
            let garbage = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = try? LZ4.decompress(garbage, originalSize: Int.random(in: 0...100_000, using: &random), limit: 100_000)
        }
    }
}
