import ClusterClient
import ClusterCore
import Hummingbird
import Model
import NIOCore
import Synchronization

/// `GET /v1/stream`: Server-Sent Events of window updates for one metric, the open window
/// included. Every `refresh` milliseconds it asks for the latest two buckets and sends an
/// `event: window` for each bucket whose values changed (so at most one event per window per
/// refresh); a `: keep-alive` comment goes out when nothing changed for 5 s. At most
/// `streamsMax` streams run at once (`503` beyond).
final class StreamHandler: Sendable {
    let service: FrontService
    let streams = Atomic<Int>(0)
    let streamsMax: Int

    init(service: FrontService, streamsMax: Int) {
        self.service = service
        self.streamsMax = streamsMax
    }

    /// How long a stream stays silent before a keep-alive comment (which is also how a
    /// closed connection is noticed and the stream's task ends).
    static let keepAliveInterval = Duration.seconds(5)

    /// Shortest refresh interval a client may ask for, in milliseconds.
    static let refreshMinMs = 250

    func handle(_ request: Request) async -> Response {
        guard let view = await service.clusterView() else { return FrontHandlers.error(.serviceUnavailable, "the coordinator has not answered yet") }
        var fields = [String: String]()
        for (key, value) in request.uri.queryParameters { fields[String(key)] = String(value) }
        let now = WallClock.now()
        fields["from"] = fields["from"] ?? String(now.milliseconds - 3_600_000)
        fields["to"] = fields["to"] ?? String(now.milliseconds + 3_600_000)
        let parameters: QueryParameters
        do {
            parameters = try QueryParameters(fields, window: view.map.window)
        } catch {
            return FrontHandlers.error(error)
        }
        let refreshMs = max(Self.refreshMinMs, Int(fields["refresh"] ?? "1000") ?? 1000)
        guard streams.wrappingAdd(1, ordering: .relaxed).newValue <= streamsMax else {
            streams.wrappingSubtract(1, ordering: .relaxed)
            return FrontHandlers.error(.serviceUnavailable, "too many streams (the limit is \(streamsMax)); try again later")
        }
        service.metrics.streams.increment()
        let body = ResponseBody { [service, self] writer in
            defer {
                self.streams.wrappingSubtract(1, ordering: .relaxed)
                service.metrics.streams.decrement()
            }
            try await writer.write(ByteBuffer(string: "retry: \(refreshMs)\n\n"))
            var sent = [String: String]()
            var quietSince = ContinuousClock.now
            while !Task.isCancelled {
                var spec = parameters.spec
                let step = spec.step
                let current = WallClock.now().nanoseconds.floorDivided(by: step) * step
                spec.from = current - step
                spec.to = current + step
                if let answer = try? await service.query(spec) {
                    var events = ""
                    for group in answer.groups {
                        for (index, start) in group.starts.enumerated() {
                            let data = Self.event(group: group, index: index, start: start, stats: parameters.stats.map(\.description))
                            let key = group.key.description + "@\(start)"
                            if sent[key] != data {
                                sent[key] = data
                                events += "event: window\ndata: \(data)\n\n"
                            }
                        }
                    }
                    if sent.count > 1000 { sent.removeAll() }
                    if !events.isEmpty {
                        try await writer.write(ByteBuffer(string: events))
                        quietSince = .now
                    }
                }
                if ContinuousClock.now - quietSince > Self.keepAliveInterval {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    quietSince = .now
                }
                try await Task.sleep(for: .milliseconds(refreshMs))
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// `{"tags":{...},"timestamp":ms,"avg":...}` for one bucket.
    static func event(group: QueryAnswer.Group, index: Int, start: Int64, stats: [String]) -> String {
        var json = JSONText()
        json.raw("{\"tags\":{")
        for (position, tag) in group.key.tags.enumerated() {
            if position > 0 { json.raw(",") }
            json.string(tag.key)
            json.raw(":")
            json.string(tag.value)
        }
        json.raw("},\"timestamp\":")
        json.integer(Timestamp(nanoseconds: start).milliseconds)
        for (statIndex, stat) in stats.enumerated() {
            json.raw(",")
            json.string(stat)
            json.raw(":")
            json.number(group.columns[statIndex][index])
        }
        json.raw("}")
        return json.text
    }
}
