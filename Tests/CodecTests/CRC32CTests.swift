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

    @Test func theInstructionAndTheTableAgreeOnEveryLengthAndAlignment() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<4096).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        bytes.withUnsafeBytes { buffer in
            for start in 0..<9 {
                for length in [0, 1, 3, 7, 8, 9, 15, 16, 17, 255, 1024, 4096 - start] {
                    let slice = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + length)])
                    #expect(CRC32C.update(0x1234_5678, slice) == CRC32C.updateWithTable(0x1234_5678, slice), "start \(start), length \(length)")
                }
            }
        }
        #if arch(x86_64)
        #expect(CRC32C.usesHardware, "x86-64 machines since 2008 have SSE 4.2")
        #endif
    }
}
