import Ingest
import Model
import Testing

@Suite struct LineProtocolTests {
    let now = Timestamp(milliseconds: 1_767_225_600_000)!
    func parse(_ text: String, precision: LineProtocol.Precision = .nanoseconds) -> LineProtocol.Parsed {
        LineProtocol.parse(Array(text.utf8), precision: precision, validator: SampleValidator(), now: now)
    }

    @Test func valueAndOtherFieldsBecomeMetrics() {
        let parsed = parse("cpu,host=a,region=eu value=0.5,idle=97i,busy=t 1767225600000000000\n")
        #expect(parsed.errors.isEmpty)
        #expect(parsed.samples.map(\.name) == ["cpu", "cpu.idle", "cpu.busy"])
        #expect(parsed.samples.map(\.value) == [0.5, 97, 1])
        #expect(parsed.samples.allSatisfy { $0.timestamp == Timestamp(nanoseconds: 1_767_225_600_000_000_000) })
        #expect(parsed.samples[0].series == SeriesKey(name: "cpu", tags: [Tag("region", "eu"), Tag("host", "a")]))
    }

    @Test func escapesAndPrecisions() {
        let parsed = parse(#"disk\ io,path=/var\,log,dev\=x=sda free=1e3,used=-2.5u"#)
        #expect(parsed.errors.count == 1)  // -2.5u is not an unsigned integer
        let ok = parse(#"disk,path=/var\,log\ x,dev=sda\=x free=1e3,used=25u 1767225600"#, precision: .seconds)
        #expect(ok.errors.isEmpty)
        #expect(ok.samples.map(\.name) == ["disk.free", "disk.used"])
        #expect(ok.samples[0].tags == [Tag("dev", "sda=x"), Tag("path", "/var,log x")])  // sorted by key
        #expect(ok.samples[0].timestamp == Timestamp(milliseconds: 1_767_225_600_000))
        #expect(parse("m value=1 1767225600000", precision: .milliseconds).samples[0].timestamp == Timestamp(milliseconds: 1_767_225_600_000))
        #expect(parse("m value=1 1767225600000000", precision: .microseconds).samples[0].timestamp == Timestamp(milliseconds: 1_767_225_600_000))
        #expect(parse("m value=1").samples[0].timestamp == nil)
    }

    @Test func badLinesAreNamedAndGoodLinesKept() {
        let parsed = parse("""
            # a comment

            good value=1 1767225600000000000
            nofields
            toofar value=1 5767225600000000000
            bad\\ name value=2
            also.good,host=b value=3,x=4
            """)
        #expect(parsed.samples.map(\.name) == ["good", "also.good", "also.good.x"])
        #expect(parsed.errors.map(\.line) == [4, 5, 6])
        #expect(parsed.errors.map(\.error.reason) == [.malformed, .timestampInFuture, .invalidName])
        #expect(parsed.lines == 5)
    }

    @Test func stringFieldsAreSkippedAndCountedTheNumbersWritten() {
        let parsed = parse(#"""
            system,host=a uptime_format="12 days,  3:04",load1=0.5,n_users=3i 1767225600000000000
            note,host=a text="say \"hi\", then = go" 1767225600000000000
            mixed msg="a\\",x=2
            open value="never closed
            """#)
        #expect(parsed.samples.map(\.name) == ["system.load1", "system.n_users", "mixed.x"])
        #expect(parsed.samples.map(\.value) == [0.5, 3, 2])
        #expect(parsed.stringFieldsSkipped == 3)
        #expect(parsed.errors.map(\.line) == [4])
        #expect(parsed.errors.first?.error.message.contains("no closing quote") == true)
    }

    @Test func precisionNames() {
        #expect(LineProtocol.Precision("n") == .nanoseconds)
        #expect(LineProtocol.Precision(nil) == .nanoseconds)
        #expect(LineProtocol.Precision("u") == .microseconds)
        #expect(LineProtocol.Precision("ms") == .milliseconds)
        #expect(LineProtocol.Precision("s") == .seconds)
        #expect(LineProtocol.Precision("h") == .hours)
        #expect(LineProtocol.Precision("weeks") == nil)
    }

    @Test func randomBytesNeverCrash() {
        var state: UInt64 = 42
        let alphabet = Array("cpu,=\\ \"1i.e-tf\n#x 9".utf8)
        for _ in 0..<3000 {
            let bytes = (0..<Int.random(in: 0...80)).map { _ -> UInt8 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return alphabet[Int(state >> 59) % alphabet.count]
            }
            _ = LineProtocol.parse(bytes, precision: .nanoseconds, validator: SampleValidator(), now: now)
        }
    }
}
