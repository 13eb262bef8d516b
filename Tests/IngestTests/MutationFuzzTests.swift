import Ingest
import Model
import Testing

/// A bounded, seeded random-mutation fuzzer for the HTTP body parsers: every mutated input must
/// be parsed or rejected with a reason, never crash. A failure prints the seed.
@Suite struct MutationFuzzTests {
    struct Mutator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// Flips, inserts, deletes or duplicates a few bytes.
        mutating func mutate(_ input: [UInt8], interesting: [UInt8]) -> [UInt8] {
            var bytes = input
            for _ in 0..<Int.random(in: 1...6, using: &self) {
                let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &self)
                switch Int.random(in: 0..<5, using: &self) {
                case 0 where !bytes.isEmpty: bytes[position] ^= UInt8.random(in: 1...255, using: &self)
                case 1: bytes.insert(interesting.randomElement(using: &self)!, at: position)
                case 2 where !bytes.isEmpty: bytes.remove(at: position)
                case 3 where !bytes.isEmpty: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 8)], at: position)
                default: bytes.insert(UInt8.random(in: 0...255, using: &self), at: position)
                }
            }
            return bytes
        }
    }

    let now = Timestamp(milliseconds: 1_767_225_600_000)!

    @Test func jsonIngestNeverCrashes() {
        let seed = Array(#"[{"name":"cpu","value":0.5,"timestamp":"2026-01-01T00:00:00.000Z","tags":{"host":"a"},"type":"gauge"},{"name":"m","value":-1e308,"timestamp":1767225600000}]"#.utf8)
        var mutator = Mutator(state: 1)
        let interesting = Array(#"{}[]":,\u0-1e."#.utf8)
        var parsed = 0
        for _ in 0..<20_000 {
            let input = mutator.mutate(seed, interesting: interesting)
            if (try? JSONIngest.parse(input, validator: SampleValidator(), now: now)) != nil { parsed += 1 }
        }
        #expect(parsed > 0)
        // Deep nesting is refused, not a stack overflow.
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(repeating: UInt8(ascii: "["), count: 100_000)) }
    }

    @Test func lineProtocolNeverCrashes() {
        let seed = Array(#"cpu,host=a\ b,region=eu value=0.5,idle=97i,up=t,s="x" 1767225600000000000"#.utf8) + Array("\n# c\nm v=1u\n".utf8)
        var mutator = Mutator(state: 2)
        let interesting = Array(", =\\\"#\ni.e-tTfF0".utf8)
        var samples = 0
        for _ in 0..<20_000 {
            samples += LineProtocol.parse(mutator.mutate(seed, interesting: interesting), precision: .nanoseconds, validator: SampleValidator(), now: now).samples.count
        }
        #expect(samples > 0)
    }

    @Test func statsdNeverCrashes() {
        let seed = Array("hits:3|c|@0.5|#route:/a,env:prod\nload:-0.7|g\nrt:12|ms".utf8)
        var mutator = Mutator(state: 3)
        let interesting = Array(":|@#,\ncgmsh-+.".utf8)
        var metrics = 0
        for _ in 0..<20_000 {
            metrics += Statsd.parse(mutator.mutate(seed, interesting: interesting), validator: SampleValidator()).metrics.count
        }
        #expect(metrics > 0)
    }
}
