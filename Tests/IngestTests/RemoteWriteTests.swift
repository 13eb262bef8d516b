import Codec
@testable import Ingest
import Model
import Testing
import Wire

/// Protobuf written field by field from the wire format's description, independent of the reader.
struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func key(_ number: Int, _ type: UInt64) { varint(UInt64(number) << 3 | type) }

    mutating func message(_ number: Int, _ body: [UInt8]) {
        key(number, 2)
        varint(UInt64(body.count))
        bytes += body
    }

    mutating func string(_ number: Int, _ text: String) { message(number, Array(text.utf8)) }

    mutating func double(_ number: Int, _ value: Double) {
        key(number, 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }

    static func series(_ labels: [(String, String)], _ samples: [(Double, Int64)], histograms: Int = 0) -> [UInt8] {
        var series = ProtobufWriter()
        for (name, value) in labels {
            var label = ProtobufWriter()
            label.string(1, name)
            label.string(2, value)
            series.message(1, label.bytes)
        }
        for (value, milliseconds) in samples {
            var sample = ProtobufWriter()
            // proto3 writes no field that holds its default (a value of 0 has no field 1).
            if value.bitPattern != 0 { sample.double(1, value) }
            sample.key(2, 0)
            sample.varint(UInt64(bitPattern: milliseconds))
            series.message(2, sample.bytes)
        }
        for _ in 0..<histograms { series.message(4, [0x08, 0x01]) }
        return series.bytes
    }
}

@Suite struct RemoteWriteTests {
    let now = Timestamp(milliseconds: 1_767_225_600_000)!

    func read(_ body: [UInt8], reader: inout RemoteWriteReader, sink: inout LineProtocol.BatchSink) throws -> LineReport {
        try body.withUnsafeBytes { try reader.read($0, validator: SampleValidator(), now: now, into: &sink) }
    }

    @Test func labelsBecomeTagsAndStaleMarkersAreSkipped() throws {
        let t = now.nanoseconds / 1_000_000
        var request = ProtobufWriter()
        request.message(1, ProtobufWriter.series([("__name__", "up"), ("instance", "a:9100"), ("job", "node"), ("empty", "")],
                                                 [(1, t - 15_000), (0, t)]))
        request.message(1, ProtobufWriter.series([("__name__", "http_requests_total"), ("code", "200")],
                                                 [(Double(bitPattern: RemoteWriteReader.staleMarker), t), (42.5, t - 1)], histograms: 2))
        request.message(1, ProtobufWriter.series([("job", "nameless")], [(1, t)]))
        request.message(1, ProtobufWriter.series([("__name__", "bad value")], [(1, t)]))
        request.message(1, ProtobufWriter.series([("__name__", "inf")], [(.infinity, t), (3, t)]))
        request.message(3, [0x08, 0x01])  // metadata: read past
        var reader = RemoteWriteReader()
        var sink = LineProtocol.BatchSink(builder: SampleBatchBuilder())
        let report = try read(request.bytes, reader: &reader, sink: &sink)
        #expect(report.lines == 5)
        #expect(report.taken == 4)
        #expect(report.staleMarkersSkipped == 1)
        #expect(report.histogramsSkipped == 2)
        #expect(report.badLines.map(\.line) == [3, 4])
        #expect(report.badLines.map(\.error.reason) == [.invalidName, .invalidName])
        #expect(report.refused == 3)  // two samples of bad series, one infinite value
        #expect(report.rejectedByReason[.nonFiniteValue] == 1)
        // The same series again: resolved from the remembered labels, the bad ones still refused.
        let again = try read(request.bytes, reader: &reader, sink: &sink)
        #expect(again.taken == 4 && again.badLines.map(\.line) == [3, 4])
        let batch = sink.builder.finish(id: 1)
        #expect(batch.count == 8 && batch.series.count == 3)
        let samples = batch.values.indices.map { (batch.series[Int(batch.seriesIndices[$0])].key, batch.timestamps[$0], batch.values[$0]) }
        #expect(samples.prefix(4).map(\.0.name) == ["up", "up", "http_requests_total", "inf"])
        #expect(samples[0].0.tags == [Tag("instance", "a:9100"), Tag("job", "node")])
        #expect(samples.prefix(4).map(\.1) == [(t - 15_000) * 1_000_000, t * 1_000_000, (t - 1) * 1_000_000, t * 1_000_000])
        #expect(samples.map(\.2) == [1, 0, 42.5, 3, 1, 0, 42.5, 3])
    }

    @Test func aBodyThatIsNotAWriteRequestIsRefusedWhole() {
        var reader = RemoteWriteReader()
        var sink = LineProtocol.BatchSink(builder: SampleBatchBuilder())
        var request = ProtobufWriter()
        request.message(1, ProtobufWriter.series([("__name__", "up")], [(1, 1_767_225_600_000)]))
        let cut = Array(request.bytes.dropLast(3))
        #expect(throws: DecodeError.self) { try read(cut, reader: &reader, sink: &sink) }
        #expect(throws: DecodeError.self) { try read([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], reader: &reader, sink: &sink) }
        #expect(sink.builder.count == 0)
    }
}
