import ClusterClient
import ClusterCore
import Foundation
import Testing
import TestSupport
import Transport
import Wire
import ZeroMQ

/// End-to-end tests: real `windrow local` process trees on loopback, real ZeroMQ and HTTP,
/// answers compared with exact arithmetic.
@Suite(.serialized) struct ClusterTests {
    static let fast = ["--seal-interval-ms", "300", "--allowed-lateness-ms", "1000", "--flush-interval-ms", "200"]
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Sends batches to the mappers' acknowledged endpoints; returns the samples acknowledged.
    static func sendAcked(_ batches: [SampleBatch], to endpoints: [String]) async throws -> Int {
        let client = RPCClient(context: TransportContext())
        defer { client.shutdown() }
        var accepted = 0
        for (index, batch) in batches.enumerated() {
            let bytes = try await client.call(endpoints[index % endpoints.count], "samples", body: batch.encode(), timeout: .seconds(30))
            let reply = try JSONWire.decode(IngestReply.self, from: bytes)
            #expect(reply.rejected == 0 && reply.batchError == nil, "batch \(index): \(reply)")
            accepted += reply.accepted
        }
        return accepted
    }

    static func sendJSON(_ bodies: [Data], to cluster: LocalClusterProcess) async throws -> Int {
        var accepted = 0
        for body in bodies {
            let (status, data) = try await cluster.post("/v1/metrics", body: body)
            #expect(status == 202, "POST /v1/metrics answered \(status): \(String(decoding: data, as: UTF8.self))")
            accepted += (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["accepted"] as? Int ?? 0
        }
        return accepted
    }

    static func query(_ cluster: LocalClusterProcess, name: String, from: Int64, to: Int64, step: String, extra: String = "") async throws -> [String: Any] {
        try await cluster.json("/v1/query?name=\(name)&from=\(from)&to=\(to)&step=\(step)&stats=\(AnswerCheck.stats)\(extra)")
    }

    /// `windrow_query_file_results_total{result="hit"}` summed over the reducers.
    static func fileResultHits(_ cluster: LocalClusterProcess) async throws -> Double {
        try await cluster.reducerFigure("windrow_query_file_results_total{result=\"hit\"}")
    }

    /// Waits until the cluster counts `total` samples of `name` in `[from, to)`.
    static func waitForCount(_ cluster: LocalClusterProcess, name: String, from: Int64, to: Int64, total: Int, seconds: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        var seen = -1
        while Date() < deadline {
            let answer = try await cluster.json("/v1/query?name=\(name)&from=\(from)&to=\(to)&step=1d&stats=count")
            seen = (answer["series"] as? [[String: Any]] ?? []).flatMap { ($0["count"] as? [NSNumber] ?? []).map(\.intValue) }.reduce(0, +)
            if seen == total { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("\(name): counted \(seen) samples; want \(total)")
    }

    /// Answers at 1m (over three hours), 15m, 1h, 1d, grouped by host and filtered by region.
    static func checkAnswers(_ cluster: LocalClusterProcess, _ data: KnownDataset, name: String, from: Int64, to: Int64, label: String) async throws {
        let oneMinuteTo = from + 3 * hour
        AnswerCheck.verify(try await query(cluster, name: name, from: from, to: oneMinuteTo, step: "1m"),
                           data.expected(stepMs: 60_000, from: from, to: oneMinuteTo), label: "\(label) 1m")
        // A narrow range inside a sealed day: files must be found by their whole time range.
        let narrowFrom = from + 30 * hour
        AnswerCheck.verify(try await query(cluster, name: name, from: narrowFrom, to: narrowFrom + hour, step: "1m"),
                           data.expected(stepMs: 60_000, from: narrowFrom, to: narrowFrom + hour), label: "\(label) 1m narrow")
        for (step, ms) in [("15m", 900_000 as Int64), ("1h", hour), ("1d", day)] {
            AnswerCheck.verify(try await query(cluster, name: name, from: from, to: to, step: step),
                               data.expected(stepMs: ms, from: from, to: to), label: "\(label) \(step)")
        }
        AnswerCheck.verify(try await query(cluster, name: name, from: from, to: to, step: "1h", extra: "&group_by=host"),
                           data.expected(stepMs: hour, from: from, to: to, groupBy: "host"), label: "\(label) 1h by host")
        AnswerCheck.verify(try await query(cluster, name: name, from: from, to: to, step: "1h", extra: "&tags=region:eu"),
                           data.expected(stepMs: hour, from: from, to: to, filter: [.init("region", "eu")]), label: "\(label) 1h eu")
    }

    @Test func answersMatchExactArithmeticThroughZeroMQAndHTTPAndSurviveARestart() async throws {
        let directory = TemporaryDirectory("windrow-e2e")
        defer { directory.remove() }
        let end = (Self.nowMs() / Self.day - 1) * Self.day
        let start = end - 2 * Self.day
        let data = KnownDataset.make(name: "e2e.latency", count: 30_000, start: start, spanMs: 2 * Self.day, seed: 1)
        // One descriptor per reducer for its shard files: queries close and reopen them.
        let cluster = LocalClusterProcess(dataDirectory: directory.path, mappers: 2, reducers: 2, extra: Self.fast,
                                          environment: ["WINDROW_OPEN_FILES_MAX": "1"])
        try await cluster.start()
        defer { cluster.stop() }
        let viaZeroMQ = try await Self.sendAcked(data.batches(of: 2500, range: 0..<15_000), to: try await cluster.ackedEndpoints())
        let viaHTTP = try await Self.sendJSON(data.jsonBodies(of: 3000, range: 15_000..<30_000), to: cluster)
        #expect(viaZeroMQ + viaHTTP == 30_000)
        try await Self.waitForCount(cluster, name: "e2e.latency", from: start, to: end, total: 30_000)
        try await Self.checkAnswers(cluster, data, name: "e2e.latency", from: start, to: end, label: "first run")

        // Old windows are sealed into shard files, which inspect verifies.
        try await Task.sleep(for: .seconds(2))
        let shards = try FileManager.default.subpathsOfDirectory(atPath: directory.path).filter { $0.contains("/shards/") && $0.hasSuffix(".shard") }
        #expect(!shards.isEmpty, "no shard files were written")
        for shard in shards {
            let inspect = Process()
            inspect.executableURL = URL(fileURLWithPath: LocalClusterProcess.binary)
            inspect.arguments = ["inspect", "--summary", directory.path + "/" + shard]
            inspect.standardOutput = FileHandle.nullDevice
            try inspect.run()
            inspect.waitUntilExit()
            // A compaction may have replaced the file meanwhile.
            #expect(inspect.terminationStatus == 0 || !FileManager.default.fileExists(atPath: directory.path + "/" + shard), "inspect \(shard)")
        }
        let before = try await Self.query(cluster, name: "e2e.latency", from: start, to: end, step: "1h", extra: "&group_by=host")
        // Asked again, files a range covers whole answer from their cached buckets: still exact.
        let hits = try await Self.fileResultHits(cluster)
        try await Self.checkAnswers(cluster, data, name: "e2e.latency", from: start, to: end, label: "from cached file results")
        #expect(try await Self.fileResultHits(cluster) > hits, "repeated queries are answered from cached file results")
        try await Task.sleep(for: .seconds(1.5))  // the figures are set at each heartbeat
        let open = try await cluster.reducerFigure("windrow_open_shard_files")
        let opens = try await cluster.reducerFigure("windrow_shard_file_opens_total")
        #expect(open >= 1 && open <= 2, "at most one shard file open per reducer (\(open))")
        #expect(opens > Double(shards.count), "files closed for others were opened again (\(opens) opens of \(shards.count) files)")

        cluster.stop()
        let restarted = LocalClusterProcess(dataDirectory: directory.path, mappers: 2, reducers: 2, extra: Self.fast)
        try await restarted.start()
        defer { restarted.stop() }
        try await Self.waitForCount(restarted, name: "e2e.latency", from: start, to: end, total: 30_000)
        try await Self.checkAnswers(restarted, data, name: "e2e.latency", from: start, to: end, label: "after restart")
        let after = try await Self.query(restarted, name: "e2e.latency", from: start, to: end, step: "1h", extra: "&group_by=host")
        // The series, not the finality fields: the watermark moves on.
        #expect(NSArray(array: before["series"] as? [Any] ?? []).isEqual(to: after["series"] as? [Any] ?? [1]), "answers changed across the restart")
    }

    /// The reducers' shard files by partition and day: `(partition, day) → names`.
    static func shardFiles(_ directory: String) throws -> [String: [String]] {
        var result = [String: [String]]()
        for path in try FileManager.default.subpathsOfDirectory(atPath: directory) where path.contains("/shards/") && path.hasSuffix(".shard") {
            let name = String(path.split(separator: "/").last!)
            let parts = name.split(separator: "-")
            result[path.split(separator: "/")[0] + "/" + parts[0] + "-" + parts[1], default: []].append(name)
        }
        return result
    }

    /// The group a shard file belongs to: its name without the resolution (`p3-d20000-c7`).
    static func group(_ name: String) -> String {
        var stem = name.dropLast(".shard".count)
        for resolution in ["-1m", "-1h", "-1d"] where stem.hasSuffix(resolution) { stem = stem.dropLast(resolution.count) }
        return String(stem)
    }

    /// Waits until the reducers have compacted everything due: one group per partition day
    /// (all days are closed), nothing in the backlog.
    static func waitForCompaction(_ cluster: LocalClusterProcess, directory: String, after compactions: Double, seconds: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let merged = try shardFiles(directory).values.allSatisfy { Set($0.map(group)).count == 1 }
            if merged, try await cluster.reducerFigure("windrow_compactions_total") > compactions,
               try await cluster.reducerFigure("windrow_compaction_backlog") == 0 { return }
            try await Task.sleep(for: .milliseconds(300))
        }
        Issue.record("compaction did not finish: \(try shardFiles(directory))")
    }

    @Test func compactionRollupsAndRetentionKeepEveryAnswerExact() async throws {
        let directory = TemporaryDirectory("windrow-lifecycle")
        defer { directory.remove() }
        let end = (Self.nowMs() / Self.day - 1) * Self.day
        let start = end - 3 * Self.day
        var data = KnownDataset.make(name: "e2e.lifecycle", count: 24_000, start: start, spanMs: 3 * Self.day, seed: 12)
        let cluster = LocalClusterProcess(dataDirectory: directory.path, mappers: 2, reducers: 2, extra: Self.fast)
        try await cluster.start()
        defer { cluster.stop() }
        let endpoints = try await cluster.ackedEndpoints()
        // Many small seals per day, so that open-day tiers and the closed-day merge both run.
        for part in 0..<6 {
            _ = try await Self.sendAcked(data.batches(of: 1000, range: part * 4000..<(part + 1) * 4000), to: endpoints)
            try await Self.waitForCount(cluster, name: "e2e.lifecycle", from: start, to: end, total: (part + 1) * 4000)
            try await Task.sleep(for: .milliseconds(700))
        }
        try await Self.waitForCompaction(cluster, directory: directory.path, after: 0)
        // Every partition's day is one group: its minutes, their hours and their day.
        for (day, names) in try Self.shardFiles(directory.path) {
            #expect(names.count == 3 && Set(names.map(Self.group)).count == 1 && names.contains { $0.hasSuffix("-1h.shard") }
                    && names.contains { $0.hasSuffix("-1d.shard") }, "\(day): \(names)")
        }
        try await Self.checkAnswers(cluster, data, name: "e2e.lifecycle", from: start, to: end, label: "compacted")

        // Late samples correct closed days: sealed apart, then merged into the rows they correct.
        let late = KnownDataset.make(name: "e2e.lifecycle", count: 3000, start: start + Self.day / 2, spanMs: Self.day, seed: 13)
        let compactions = try await cluster.reducerFigure("windrow_compactions_total")
        _ = try await Self.sendAcked(late.batches(of: 1000), to: endpoints)
        data.points += late.points
        try await Self.waitForCount(cluster, name: "e2e.lifecycle", from: start, to: end, total: 27_000)
        try await Self.waitForCompaction(cluster, directory: directory.path, after: compactions)
        #expect(try Self.shardFiles(directory.path).values.allSatisfy { $0.count == 3 })
        try await Self.checkAnswers(cluster, data, name: "e2e.lifecycle", from: start, to: end, label: "corrected")
        let inspect = Process()
        let output = Pipe()
        inspect.executableURL = URL(fileURLWithPath: LocalClusterProcess.binary)
        // The reducer that owns the name's partition.
        let owner = try #require(try Self.shardFiles(directory.path).keys.first?.split(separator: "/").first)
        inspect.arguments = ["inspect", "--summary", directory.path + "/" + owner]
        inspect.standardOutput = output
        try inspect.run()
        let listing = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        inspect.waitUntilExit()
        #expect(inspect.terminationStatus == 0 && listing.contains("resolution 1h:") && listing.contains("resolution 1d:") && !listing.contains("level 0"),
                "inspect of the data directory: \(listing)")
        let version = try await cluster.reducerFigure("windrow_manifest_version")
        #expect(version > 2, "the manifest counts its edits (\(version))")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/reducer-0/checkpoint.json"))

        // Minutes older than a day go; hours and days answer on, and a minute step says why not.
        cluster.stop()
        let kept = LocalClusterProcess(dataDirectory: directory.path, mappers: 2, reducers: 2, extra: Self.fast + ["--retention", "1m=1d,1h=400d"])
        try await kept.start()
        defer { kept.stop() }
        let deadline = Date().addingTimeInterval(30)
        while try Self.shardFiles(directory.path).values.joined().contains(where: { $0.hasSuffix("-1m.shard") }), Date() < deadline {
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(try Self.shardFiles(directory.path).values.allSatisfy { $0.count == 2 && !$0.contains { $0.hasSuffix("-1m.shard") } })
        #expect(try await kept.reducerFigure("windrow_retention_files_dropped_total") > 0)
        for (step, ms) in [("1h", Self.hour), ("1d", Self.day), ("2h", 2 * Self.hour)] {
            AnswerCheck.verify(try await Self.query(kept, name: "e2e.lifecycle", from: start, to: end, step: step),
                               data.expected(stepMs: ms, from: start, to: end), label: "retained \(step)")
        }
        AnswerCheck.verify(try await Self.query(kept, name: "e2e.lifecycle", from: start, to: end, step: "1h", extra: "&group_by=host"),
                           data.expected(stepMs: Self.hour, from: start, to: end, groupBy: "host"), label: "retained 1h by host")
        let (status, body) = try await kept.get("/v1/query?name=e2e.lifecycle&from=\(start)&to=\(start + Self.hour)&step=1m")
        let message = String(decoding: body, as: UTF8.self)
        #expect(status == 422 && message.contains("1m=1d") && message.contains("the resolution there is 1h"), "\(status) \(message)")
    }

    @Test func partitioningNeverChangesAnAnswer() async throws {
        let end = (Self.nowMs() / Self.hour - 2) * Self.hour
        let start = end - 6 * Self.hour
        let data = KnownDataset.make(name: "e2e.invariance", count: 8000, start: start, spanMs: 6 * Self.hour, seed: 2)
        var answers = [[String: Any]]()
        for size in [1, 2, 3] {
            let directory = TemporaryDirectory("windrow-topology")
            defer { directory.remove() }
            let cluster = LocalClusterProcess(dataDirectory: directory.path, mappers: size, reducers: size, extra: Self.fast)
            try await cluster.start()
            _ = try await Self.sendAcked(data.batches(of: 700), to: try await cluster.ackedEndpoints())
            try await Self.waitForCount(cluster, name: "e2e.invariance", from: start, to: end, total: 8000)
            let answer = try await Self.query(cluster, name: "e2e.invariance", from: start, to: end, step: "15m", extra: "&group_by=host")
            AnswerCheck.verify(answer, data.expected(stepMs: 900_000, from: start, to: end, groupBy: "host"), label: "\(size)x\(size)")
            answers.append(answer)
            cluster.stop()
        }
        // The series, not the finality fields (each cluster has its own watermark).
        let series = answers.map { NSArray(array: $0["series"] as? [Any] ?? []) }
        #expect(series[0].count > 0 && series[0].isEqual(to: series[1] as! [Any]), "1x1 and 2x2 differ")
        #expect(series[0].isEqual(to: series[2] as! [Any]), "1x1 and 3x3 differ")
    }

    @Test func openWindowsShowWithinTwoSecondsAndBackfillCountsOnce() async throws {
        let directory = TemporaryDirectory("windrow-live")
        defer { directory.remove() }
        let cluster = LocalClusterProcess(dataDirectory: directory.path, mappers: 2, reducers: 2, extra: Self.fast)
        try await cluster.start()
        defer { cluster.stop() }
        let endpoints = try await cluster.ackedEndpoints()

        // Live samples: visible in the open window within 2 s of their acknowledgement.
        let now = Self.nowMs()
        let live = KnownDataset.make(name: "e2e.live", count: 500, start: now - 1000, spanMs: 1000, seed: 3)
        _ = try await Self.sendAcked(live.batches(of: 500), to: endpoints)
        let acknowledged = Date()
        var visible = false
        while Date().timeIntervalSince(acknowledged) < 2 && !visible {
            let answer = try await Self.query(cluster, name: "e2e.live", from: now - Self.hour, to: now + Self.hour, step: "1h")
            visible = ((answer["series"] as? [[String: Any]])?.first?["count"] as? [NSNumber])?.map(\.intValue).reduce(0, +) == 500
            if !visible { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(visible, "the open window was not visible within 2 s")

        // Wait for the watermark to pass, then backfill a day long sealed, in two halves with
        // out-of-order timestamps, plus late samples for the live window after it was sealed.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, (try await cluster.watermark() ?? 0) < now + 2000 { try await Task.sleep(for: .milliseconds(200)) }
        let oldDay = (now / Self.day - 30) * Self.day
        let backfill = KnownDataset.make(name: "e2e.live", count: 4000, start: oldDay, spanMs: Self.day, seed: 4)
        _ = try await Self.sendAcked(backfill.batches(of: 1000, range: 0..<2000), to: endpoints)
        try await Task.sleep(for: .seconds(2))
        _ = try await Self.sendAcked(backfill.batches(of: 1000, range: 2000..<4000), to: endpoints)
        let late = KnownDataset.make(name: "e2e.live", count: 300, start: now - 1000, spanMs: 1000, seed: 5)
        _ = try await Self.sendAcked(late.batches(of: 300), to: endpoints)
        let all = KnownDataset(points: live.points + backfill.points + late.points)
        try await Self.waitForCount(cluster, name: "e2e.live", from: oldDay, to: now + Self.hour, total: 4800)
        try await Task.sleep(for: .seconds(1))
        for step in ["15m", "1h", "1d"] {
            let ms = step == "15m" ? 900_000 : step == "1h" ? Self.hour : Self.day
            AnswerCheck.verify(try await Self.query(cluster, name: "e2e.live", from: oldDay, to: now + Self.hour, step: step),
                               all.expected(stepMs: ms, from: oldDay, to: now + Self.hour), label: "backfill \(step)")
        }
    }

    @Test func killingAReducerDuringIngestLosesAndDoublesNothing() async throws {
        let directory = TemporaryDirectory("windrow-kill")
        defer { directory.remove() }
        let cluster = LocalClusterProcess(dataDirectory: directory.path, mappers: 2, reducers: 2, extra: Self.fast)
        try await cluster.start()
        defer { cluster.stop() }
        let endpoints = try await cluster.ackedEndpoints()
        let end = (Self.nowMs() / Self.hour - 1) * Self.hour
        let start = end - 12 * Self.hour
        let data = KnownDataset.make(name: "e2e.kill", count: 40_000, start: start, spanMs: 12 * Self.hour, seed: 6)
        let batches = data.batches(of: 500)
        let sender = Task { try await Self.sendAcked(batches, to: endpoints) }
        try await Task.sleep(for: .milliseconds(700))
        let killer = Process()
        killer.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
        killer.arguments = ["-KILL", "-f", "\(directory.path)/reducer-0"]
        try killer.run()
        killer.waitUntilExit()
        #expect(killer.terminationStatus == 0, "no reducer process was found to kill")
        let acknowledged = try await sender.value
        #expect(acknowledged == 40_000)
        try await Self.waitForCount(cluster, name: "e2e.kill", from: start, to: end, total: 40_000, seconds: 60)
        AnswerCheck.verify(try await Self.query(cluster, name: "e2e.kill", from: start, to: end, step: "1h"),
                           data.expected(stepMs: Self.hour, from: start, to: end), label: "after kill")
    }
}

extension ClusterTests {
    @Test func aCorruptShardFileIsSetAsideAndTheReducerStillStarts() async throws {
        let directory = TemporaryDirectory("windrow-corrupt")
        defer { directory.remove() }
        let end = (Self.nowMs() / Self.day - 2) * Self.day
        let start = end - 2 * Self.day
        let damaged = KnownDataset.make(name: "e2e.damaged", count: 2000, start: start, spanMs: Self.day, seed: 8)
        let intact = KnownDataset.make(name: "e2e.intact", count: 2000, start: start + Self.day, spanMs: Self.day, seed: 9)
        let cluster = LocalClusterProcess(dataDirectory: directory.path, mappers: 1, reducers: 1, extra: Self.fast)
        try await cluster.start()
        _ = try await Self.sendAcked(damaged.batches(of: 1000) + intact.batches(of: 1000), to: try await cluster.ackedEndpoints())
        try await Self.waitForCount(cluster, name: "e2e.intact", from: start, to: end, total: 2000)
        try await Task.sleep(for: .seconds(2))
        cluster.stop()

        // Damage the index of the shard holding the first day (day files are named -d<day>-);
        // a damaged block would instead be reported by the query that reads it.
        let shards = directory.path + "/reducer-0/shards"
        let day = start / Self.day
        let victim = try #require(try FileManager.default.contentsOfDirectory(atPath: shards).first { $0.contains("-d\(day)-") })
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: shards + "/" + victim))
        try handle.seek(toOffset: try handle.seekToEnd() - 60)
        try handle.write(contentsOf: Data([0xFF, 0x00, 0xFF]))
        try handle.close()

        let restarted = LocalClusterProcess(dataDirectory: directory.path, mappers: 1, reducers: 1, extra: Self.fast)
        try await restarted.start()
        defer { restarted.stop() }
        #expect(FileManager.default.fileExists(atPath: shards + "/corrupt/" + victim), "the corrupt file was not set aside")
        AnswerCheck.verify(try await Self.query(restarted, name: "e2e.intact", from: start, to: end, step: "1h"),
                           intact.expected(stepMs: Self.hour, from: start, to: end), label: "intact data after a corrupt file")
    }
}
