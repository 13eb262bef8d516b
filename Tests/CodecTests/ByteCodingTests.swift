import Codec
import TestSupport
import Testing

@Suite struct ByteCodingTests {
    @Test func fixedWidthAndVarintRoundTrip() throws {
        var random = SeededGenerator(seed: 11)
        var writer = ByteWriter()
        let unsigned = (0..<200).map { _ in UInt64.random(in: 0...UInt64.max, using: &random) >> UInt64.random(in: 0...63, using: &random) }
        let signed = unsigned.map { Int64(bitPattern: $0) &* (Bool.random(using: &random) ? 1 : -1) }
        for value in unsigned { writer.appendVarint(value) }
        for value in signed { writer.appendZigzag(value) }
        writer.append(UInt32(0xDEAD_BEEF))
        writer.append(-0.0)
        writer.appendString("héllo")
        var reader = ByteReader(writer.bytes, subject: "test")
        for value in unsigned { #expect(try reader.readVarint("u") == value) }
        for value in signed { #expect(try reader.readZigzag("s") == value) }
        #expect(try reader.read(UInt32.self, "x") == 0xDEAD_BEEF)
        #expect(try reader.readDouble("d").bitPattern == (-0.0).bitPattern)
        #expect(try reader.readString("s", limit: 10) == "héllo")
        try reader.expectEnd()
    }

    @Test func littleEndianOnTheWire() {
        var writer = ByteWriter()
        writer.append(UInt32(0x0403_0201))
        writer.appendVarint(300)
        #expect(writer.bytes == [1, 2, 3, 4, 0xAC, 0x02])
    }

    @Test func truncationNamesTheFieldAndTheShortfall() {
        var reader = ByteReader([1, 2, 3, 4, 5, 6, 7], subject: "sample batch")
        #expect(throws: DecodeError.truncated("timestamp", got: 7, want: 8, in: "sample batch")) {
            try reader.read(Int64.self, "timestamp")
        }
        let message = "\(DecodeError.truncated("timestamps column", got: 7, want: 16, in: "sample batch"))"
        #expect(message == "cannot decode sample batch: truncated timestamps column; got 7 bytes; want 16")
    }

    @Test func overlongVarintsAndStringsAreRejected() {
        var overflow = ByteReader([UInt8](repeating: 0xff, count: 10) + [0x7f], subject: "t")
        #expect(throws: DecodeError.self) { try overflow.readVarint("v") }
        var endless = ByteReader([0x80, 0x80], subject: "t")
        #expect(throws: DecodeError.self) { try endless.readVarint("v") }
        var long = ByteReader([5, 65, 66], subject: "t")
        #expect(throws: DecodeError.self) { try long.readString("s", limit: 100) }
        var tooLong = ByteReader([5, 65, 66, 67, 68, 69], subject: "t")
        #expect(throws: DecodeError.self) { try tooLong.readString("s", limit: 4) }
        var invalidUTF8 = ByteReader([2, 0xC3, 0x28], subject: "t")
        #expect(throws: DecodeError.self) { try invalidUTF8.readString("s", limit: 4) }
    }
}
