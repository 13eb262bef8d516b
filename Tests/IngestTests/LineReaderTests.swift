@testable import Ingest
import Model
import Testing
import TestSupport
import Wire

/// The line reader against the reference line parser: for every generated line the two must
/// agree exactly (the same samples, bit for bit, or the same error), whether the reader is fresh
/// or remembers every series of the bodies before; refused series are counted and asked again.
@Suite struct LineReaderTests {
    let now = Timestamp(milliseconds: 1_767_225_600_000)!

    /// What the reference parser makes of one line: its samples (tags sorted) or its error.
    func reference(_ line: String, _ precision: LineProtocol.Precision) -> Result<[Sample], ValidationError> {
        var bytes = Array(line.utf8)[...]
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        while let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { bytes = bytes.dropFirst() }
        do {
            let samples = try LineProtocol.parseLine(bytes, precision: precision).samples
            for sample in samples { try SampleValidator().validate(sample, now: now) }
            return .success(samples.map { Sample(name: $0.name, value: $0.value, timestamp: $0.timestamp, tags: $0.series.tags) })
        } catch {
            return .failure(error)
        }
    }

    static func same(_ a: [Sample], _ b: [Sample]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.series == y.series && x.value.bitPattern == y.value.bitPattern && x.timestamp == y.timestamp && x.type == y.type
        }
    }

    @Test func agreesWithTheReferenceLineByLine() {
        var random = SeededGenerator(seed: 0x11_2024)
        var good = 0
        var common = 0
        for round in 0..<40_000 {
            var line = LineGenerator.line(&random, now: now)
            if round % 4 == 3 { line = LineGenerator.mutate(line, &random) }
            let precision: LineProtocol.Precision = round % 5 == 0 ? .seconds : .nanoseconds
            let parsed = LineProtocol.parse(Array(line.utf8), precision: precision, validator: SampleValidator(), now: now)
            switch reference(line, precision) {
            case .success(let samples):
                #expect(parsed.errors.isEmpty && Self.same(parsed.samples, samples), "line \(line.debugDescription): \(parsed.errors) \(parsed.samples) vs \(samples)")
                if !samples.isEmpty { good += 1 }
                var reader = LineReader()
                var sink = LineProtocol.BatchSink(builder: SampleBatchBuilder())
                let report = Array(line.utf8).withUnsafeBufferPointer { reader.read($0, precision: precision, validator: SampleValidator(), now: now, into: &sink) }
                common += report.fastLines
            case .failure(let error):
                #expect(parsed.samples.isEmpty && parsed.errors.map(\.error) == [error], "line \(line.debugDescription): \(parsed.errors) vs \(error)")
            }
        }
        #expect(good > 15_000, "the generator should make mostly good lines (\(good))")
        #expect(common * 10 > good * 8, "most good lines take the common path (\(common) of \(good))")
    }

    @Test func aWholeBodyKeepsLineNumbersAndOrder() {
        var random = SeededGenerator(seed: 7)
        let lines = (0..<3000).map { index in index % 10 == 9 ? LineGenerator.mutate(LineGenerator.line(&random, now: now), &random) : LineGenerator.line(&random, now: now) }
            .map { $0.replacingOccurrences(of: "\n", with: " ") }
        let parsed = LineProtocol.parse(Array(lines.joined(separator: "\n").utf8), precision: .nanoseconds, validator: SampleValidator(), now: now)
        var expectedSamples = [Sample]()
        var expectedErrors = [LineProtocol.LineError]()
        var dataLines = 0
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard !trimmed.isEmpty, trimmed != "\r", !trimmed.hasPrefix("#") else { continue }
            dataLines += 1
            switch reference(line, .nanoseconds) {
            case .success(let samples): expectedSamples += samples
            case .failure(let error): expectedErrors.append(.init(line: index + 1, error: error))
            }
        }
        #expect(parsed.lines == dataLines)
        #expect(parsed.errors == expectedErrors)
        #expect(Self.same(parsed.samples, expectedSamples))
        #expect(parsed.batch.series.count == Set(parsed.batch.series).count, "each series once in the table")
    }
}

/// A sink with its own numbering that it can renumber (a new epoch), and a limit of series
/// per name that refuses the rest.
struct RenumberingSink: LineSink {
    var seriesEpoch = 0
    var numbers: [SeriesEntry: UInt32] = [:]
    var entries: [SeriesEntry] = []
    var perName: [String: Int] = [:]
    let perNameMax: Int
    var taken: [Sample] = []
    var asked = 0

    mutating func number(of series: SeriesEntry) throws(ValidationError) -> UInt32 {
        asked += 1
        if let known = numbers[series] { return known }
        guard perName[series.key.name, default: 0] < perNameMax else { throw ValidationError(.nameSeriesLimit, "\(series.key) refused") }
        perName[series.key.name, default: 0] += 1
        numbers[series] = UInt32(entries.count)
        entries.append(series)
        return UInt32(entries.count - 1)
    }

    mutating func take(series number: UInt32, timestamp: Int64, value: Double) {
        let key = entries[Int(number)].key
        taken.append(Sample(name: key.name, value: value, timestamp: timestamp == SampleBatch.arrivalTime ? nil : Timestamp(nanoseconds: timestamp),
                            tags: key.tags))
    }

    /// Numbers every series afresh (reversed), as a mapper does when it forgets idle series.
    mutating func renumber() {
        entries.reverse()
        numbers = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1, UInt32($0)) })
        seriesEpoch += 1
    }
}

extension LineReaderTests {
    @Test func linesAreCountedAsANaiveLoopCountsThem() {
        var random = SeededGenerator(seed: 0x1ee7)
        let alphabet: [UInt8] = [0x0a, 0x0b, 0x8a, 0x09, 0x61, 0x00, 0xff]
        for length in 0..<300 {
            let bytes: [UInt8] = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }
            let naive = bytes.filter { $0 == UInt8(ascii: "\n") }.count + (bytes.last.map { $0 == UInt8(ascii: "\n") ? 0 : 1 } ?? 0)
            #expect(LineProtocol.lineCount(bytes) == naive, "\(bytes)")
        }
    }

    @Test func aReaderThatRemembersReadsWhatAFreshOneReads() {
        var random = SeededGenerator(seed: 0x5eed)
        var reader = LineReader(prefixesMax: 300)
        var sink = RenumberingSink(perNameMax: 1_000_000)
        var refusing = RenumberingSink(perNameMax: 3)
        var refusingReader = LineReader()
        var forgot = false
        var previousCount = 0
        for round in 0..<60 {
            let lines = (0..<200).map { index in index % 7 == 6 ? LineGenerator.mutate(LineGenerator.line(&random, now: now), &random) : LineGenerator.line(&random, now: now) }
                .map { $0.replacingOccurrences(of: "\n", with: " ") }
            let body = Array(lines.joined(separator: "\n").utf8)
            let fresh = LineProtocol.parse(body, precision: .nanoseconds, validator: SampleValidator(), now: now)
            if round % 10 == 9 { sink.renumber() }
            sink.taken.removeAll()
            let report = body.withUnsafeBufferPointer { reader.read($0, precision: .nanoseconds, validator: SampleValidator(), now: now, into: &sink, badLinesKept: .max) }
            #expect(Self.same(sink.taken, fresh.samples), "round \(round): the remembering reader reads what a fresh one reads")
            #expect(report.badLines == fresh.errors && report.badLineCount == fresh.errors.count && report.lines == fresh.lines)
            #expect(report.refused == 0 && report.taken == fresh.batch.count)
            if reader.prefixCount < previousCount { forgot = true }
            previousCount = reader.prefixCount

            // With a limit of 3 series per name: the samples of the other series are refused,
            // counted, and their series asked for again on every line (never remembered).
            refusing.taken.removeAll()
            let asked = refusing.asked
            let limited = body.withUnsafeBufferPointer { refusingReader.read($0, precision: .nanoseconds, validator: SampleValidator(), now: now, into: &refusing) }
            let admitted = fresh.samples.filter { refusing.numbers[SeriesEntry(key: $0.series)] != nil }
            #expect(Self.same(refusing.taken, admitted))
            #expect(limited.taken + limited.refused == fresh.batch.count && limited.refused == fresh.batch.count - admitted.count)
            #expect(limited.rejectedByReason[.nameSeriesLimit, default: 0] == limited.refused)
            #expect(limited.refused == 0 || (limited.firstRefusal?.reason == .nameSeriesLimit && refusing.asked - asked >= limited.refused))
        }
        #expect(forgot, "the reader starts over past its prefix limit")
        #expect(refusing.entries.count > 0)
    }
}

/// Random line protocol lines: mostly valid, with escapes, every numeric form, odd spacing and
/// timestamps near and far; and byte mutations of them.
enum LineGenerator {
    static let measurements = ["cpu", "disk\\ io", "net\\,if", "mem.used", "a\\=b", "x", "", "bad name", "ünïcode"]
    static let goodTagKeys = ["host", "region", "dc"]
    static let goodTagValues = ["a", "b", "eu-west", "/var/log"]
    static let goodFieldKeys = ["value", "idle", "busy"]

    /// From `good` mostly, from `odd` one time in eight.
    static func pick<G: RandomNumberGenerator>(_ good: [String], _ odd: [String], _ random: inout G) -> String {
        Int.random(in: 0..<8, using: &random) == 0 ? odd.randomElement(using: &random)! : good.randomElement(using: &random)!
    }
    static let tagKeys = ["host", "region", "path", "dev\\ ice", "k\\=v", "host", "", "a/b"]
    static let tagValues = ["a", "eu-west", "/var\\,log", "sda\\=1", "x\\ y", "", "é", "v\\\\"]
    static let fieldKeys = ["value", "value", "idle", "busy", "us\\ er", "a\\,b", "free", "", "value"]

    static func number<G: RandomNumberGenerator>(_ random: inout G) -> String {
        switch Int.random(in: 0..<40, using: &random) {
        case 0: return "\(Int.random(in: -1000...1000, using: &random))i"
        case 1: return "\(Int.random(in: 0...1_000_000, using: &random))u"
        case 2: return ["t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE", "tRuE", "yes"].randomElement(using: &random)!
        case 3 where Bool.random(using: &random): return ["1e5", "1.5E-3", ".5", "5.", "-0", "+5", "1e400", "nan", "inf", "\"str\"", "0x10", "1_000", "-", ".", "1e", "1.2.3",
                        "12345678901234567890123", "0.1e-30", "9007199254740993", "-.5", "1e22", "1e23", "4e-22", "-5i", "-5u", "+5i",
                        "99999999999999999999i", "1e0004", "00012.50", "1E+2",
                        "-9223372036854775808i", "9223372036854775807i", "9223372036854775808i", "18446744073709551615u", "0.30000000000000004"].randomElement(using: &random)!
        case 4...9: return String(Double.random(in: -1e6...1e6, using: &random))
        case 10...13: return String(Double(Int.random(in: -100_000...100_000, using: &random)) / 100)
        case 14: return String(Double.random(in: -1...1, using: &random) * pow10(Int.random(in: -30...30, using: &random)))
        default: return String(Int.random(in: 0...999, using: &random)) + "." + String(Int.random(in: 0...99, using: &random))
        }
    }

    static func pow10(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<abs(exponent) { value *= 10 }
        return exponent < 0 ? 1 / value : value
    }

    static func line<G: RandomNumberGenerator>(_ random: inout G, now: Timestamp) -> String {
        var text = pick(["cpu", "mem.used", "x"], measurements, &random)
        var keys = goodTagKeys.shuffled(using: &random)
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            text += "," + pick([keys.removeFirst()], tagKeys, &random) + "=" + pick(goodTagValues, tagValues, &random)
        }
        text += Int.random(in: 0..<10, using: &random) == 0 ? "  " : " "
        var names = goodFieldKeys.shuffled(using: &random)
        let fields = (0..<Int.random(in: 1...3, using: &random)).map { _ in pick([names.removeFirst()], fieldKeys, &random) + "=" + number(&random) }
        text += fields.joined(separator: ",")
        switch Int.random(in: 0..<16, using: &random) {
        case 0: break
        case 1: text += " "
        case 2: text += " \(now.nanoseconds / 1_000_000_000)"
        case 3: text += " \(now.nanoseconds + Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &random))  "
        case 4: text += " -5"
        case 5: text += " 99999999999999999999"
        case 6: text += " \(now.nanoseconds + 3_600_000_000_000)"
        default: text += " \(now.nanoseconds - Int64.random(in: 0...86_400_000_000_000, using: &random))"
        }
        if Int.random(in: 0..<20, using: &random) == 0 { text += "\r" }
        if Int.random(in: 0..<20, using: &random) == 0 { text = "  \t" + text }
        return text
    }

    static func mutate<G: RandomNumberGenerator>(_ line: String, _ random: inout G) -> String {
        var bytes = Array(line.utf8)
        let alphabet = Array(" ,=\\\"\tie.-+0123456789tf\u{7f}".utf8)
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let position = Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where position < bytes.count: bytes.remove(at: position)
            case 1 where position < bytes.count: bytes[position] = alphabet.randomElement(using: &random)!
            default: bytes.insert(alphabet.randomElement(using: &random)!, at: position)
            }
        }
        return String(decoding: bytes.filter { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }
}
