import Ingest
import Model

/// Parsing line protocol bodies (5,000 lines, 500 series, Telegraf-like 17-digit floats and
/// nanosecond timestamps) into sample batches, on one core.
enum IngestBenchmark {
    static func run(bodies: Int) {
        var random = FastRandom()
        let now = Timestamp(nanoseconds: 1_767_225_600_000_000_000)
        let shortValues = lines(count: 5000, now: now) { _ in "\(Int.random(in: 0...99_999, using: &random)).5" }
        let longValues = lines(count: 5000, now: now) { _ in String(Double.random(in: 0...1000, using: &random)) }
        let fieldsPerLine = lines(count: 5000, now: now) { _ in
            "\(Int.random(in: 0...100, using: &random)).25,idle=\(Int.random(in: 0...100, using: &random))i,busy=t"
        }
        for (label, body, samplesPerBody) in [("short values", shortValues, 5000), ("17-digit values", longValues, 5000), ("3 fields a line", fieldsPerLine, 15_000)] {
            let seconds = bestSeconds {
                for _ in 0..<bodies {
                    consume(LineProtocol.parse(body, precision: .nanoseconds, validator: SampleValidator(), now: now))
                }
            }
            print("line protocol parse, \(label): \(rate(Double(bodies * samplesPerBody), per: seconds))samples/s, \(rate(Double(bodies * body.count), per: seconds))B/s")
        }
    }

    static func lines(count: Int, now: Timestamp, value: (Int) -> String) -> [UInt8] {
        let text = (0..<count).map { index in
            "bench.cpu,host=h\(index % 500),region=eu-west value=\(value(index)) \(now.nanoseconds + Int64(index) * 1_000_000)"
        }.joined(separator: "\n")
        return Array(text.utf8)
    }
}
