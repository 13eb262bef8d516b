import Codec
import Ingest
import Model
import Wire

/// One libFuzzer input, read by every decoder of untrusted bytes: as a sample batch frame (with
/// its checksum re-sealed, so that mutations reach the payload decoders rather than stopping at
/// the checksum), as a line protocol body, as a JSON ingest body, as a remote_write request and
/// as an OTLP export (protobuf and JSON). Each must decode or
/// reject with a reason; a crash, a trap or an address-sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = count > 0 && start != nil ? Array(UnsafeBufferPointer(start: start, count: count)) : []
    let now = Timestamp(nanoseconds: 1_767_225_600_000_000_000)
    var frame = bytes
    if frame.count >= FrameHeader.size {
        let crc = frame.withUnsafeBytes { buffer in
            CRC32C.update(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<28])), UnsafeRawBufferPointer(rebasing: buffer[32...]))
        }
        withUnsafeBytes(of: crc.littleEndian) { frame.replaceSubrange(28..<32, with: $0) }
    }
    if let batch = try? SampleBatch.decode(frame) {
        precondition(batch.seriesIndices.allSatisfy { Int($0) < batch.series.count }, "a decoded batch names a series it lacks")
    }
    _ = try? PartialBatch.decode(frame)
    let parsed = LineProtocol.parse(bytes, precision: .nanoseconds, validator: SampleValidator(), now: now)
    precondition(parsed.errors.count <= parsed.lines, "more bad lines than lines")
    _ = try? JSONIngest.parse(bytes, validator: SampleValidator(), now: now)
    var reader = RemoteWriteReader()
    var sink = FuzzSink()
    if let report = try? bytes.withUnsafeBytes({ try reader.read($0, validator: SampleValidator(), now: now, into: &sink) }) {
        precondition(report.taken == sink.taken, "remote_write: the report and the sink disagree on samples taken")
    }
    _ = try? OTLP.parse(protobuf: bytes, validator: SampleValidator(), now: now)
    _ = try? OTLP.parse(json: bytes, validator: SampleValidator(), now: now)
    return 0
}

/// Numbers series as a batch would and counts what it takes.
struct FuzzSink: LineSink {
    var builder = SampleBatchBuilder()
    var taken = 0
    var seriesEpoch: Int { 0 }
    mutating func number(of series: SeriesEntry) -> UInt32 { builder.intern(series) }
    mutating func take(series number: UInt32, timestamp: Int64, value: Double) {
        builder.append(seriesIndex: number, timestamp: timestamp, value: value)
        taken += 1
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The entry point SwiftPM gives an executable target: hands over to libFuzzer's driver.
@_cdecl("WindrowFuzz_main")
public func windrowFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { start, count in fuzzOneInput(start, count) }
}
