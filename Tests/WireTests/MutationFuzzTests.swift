import Codec
import TestSupport
import Testing
import Wire

/// Seeded random mutations of valid frames: the decoders must accept or reject each with a
/// `DecodeError`, never crash or read out of bounds.
@Suite struct FrameMutationFuzzTests {
    @Test(arguments: [true, false])
    func sampleAndPartialDecodersNeverCrash(compress: Bool) {
        var random = SeededGenerator(seed: compress ? 77 : 78)
        let samples = Fixtures.sampleBatch(samples: 200, series: 7, using: &random).encode(compress: compress)
        let partials = Fixtures.partialBatch(rows: 30, series: 4, sketches: true, using: &random).encode(compress: compress)
        var rejected = 0
        for round in 0..<6000 {
            for frame in [samples, partials] {
                var bytes = frame
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let position = Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: bytes[position] = UInt8.random(in: 0...255, using: &random)
                    case 1: bytes.remove(at: position)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
                    }
                }
                // Re-sealing the checksum now and then gets mutations past it into the payload decoders.
                if round % 2 == 0, bytes.count >= FrameHeader.size {
                    let crc = bytes.withUnsafeBytes { buffer in
                        CRC32C.update(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<28])), UnsafeRawBufferPointer(rebasing: buffer[32...]))
                    }
                    withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(28..<32, with: $0) }
                }
                if (try? SampleBatch.decode(bytes)) == nil { rejected += 1 }
                if (try? PartialBatch.decode(bytes)) == nil { rejected += 1 }
            }
        }
        // Every frame is of one kind, so at least the other decoder refuses each mutation.
        #expect(rejected >= 12_000)
    }
}
