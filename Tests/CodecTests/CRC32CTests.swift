import Codec
import Testing

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        // The check value of CRC-32C, and RFC 3720's all-zero and all-ones 32-byte vectors.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func incrementalMatchesWhole() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let head = CRC32C.checksum(bytes, range: 0..<split)
            let whole = bytes.withUnsafeBytes { CRC32C.update(head, UnsafeRawBufferPointer(rebasing: $0[split...])) }
            #expect(whole == CRC32C.checksum(bytes), "split at \(split)")
        }
    }
}
