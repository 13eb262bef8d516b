import Snappy
import Testing
import TestSupport

@Suite struct SnappyTests {
    /// Blocks written by hand from the format description (format_description.txt of snappy):
    /// a varint length, then literals (tag `(len-1)<<2`) and copies (tag `01`: 3 bits of length-4,
    /// 3 high bits of the offset, then its low byte).
    @Test func expandsHandWrittenBlocks() throws {
        #expect(try Snappy.decompress([5, 0x10] + Array("hello".utf8), limit: 100) == Array("hello".utf8))
        // "abc" then a copy of 6 bytes from 3 back: "abcabcabc".
        #expect(try Snappy.decompress([9, 0x08] + Array("abc".utf8) + [0x01 | (2 << 2), 3], limit: 100) == Array("abcabcabc".utf8))
    }

    @Test func roundTripsAndBounds() throws {
        var random = SeededGenerator(seed: 42)
        let text = Array((0..<5_000).map { "series_\($0 % 17) \(UInt64.random(in: 0...1000, using: &random))\n" }.joined().utf8)
        let block = Snappy.compress(text)
        #expect(block.count < text.count / 2)
        #expect(try Snappy.decompress(block, limit: text.count) == text)
        #expect(throws: SnappyError.tooLarge(declared: text.count, limit: text.count - 1)) { try Snappy.decompress(block, limit: text.count - 1) }
        // A block cut short, and one declaring more than it holds.
        #expect(throws: SnappyError.self) { try Snappy.decompress(Array(block.prefix(block.count / 2)), limit: text.count) }
        #expect(throws: SnappyError.self) { try Snappy.decompress([20, 0x10] + Array("hello".utf8), limit: 100) }
        #expect(throws: SnappyError.self) { try Snappy.decompress([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], limit: 100) }
    }
}
