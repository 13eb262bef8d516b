import ClusterClient
import ClusterCore
import Hummingbird
import Model
import NIOCore
import ServiceLifecycle
import Synchronization

/// `GET /v1/stream`: Server-Sent Events of window updates for one metric (or a glob of them),
/// the open window included. Every `refresh` milliseconds it asks for the latest two buckets
/// and sends an `event: window` for each bucket whose values changed (so at most one event per
/// window per refresh); a `: keep-alive` comment goes out when nothing changed for 5 s. When
/// the front stops, every stream gets an `event: end` and closes. At most `streamsMax` streams
/// run at once (`503` beyond).
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
        let parameters: QueryParameters
        switch FrontHandlers(service: service).queryParameters(request, view: view, defaults: ["from": "now-1h", "to": "now+1h"]) {
        case .success(let parsed): parameters = parsed
        case .failure(let refusal): return refusal.response
        }
        let refreshMs = max(Self.refreshMinMs, request.uri.queryParameters.get("refresh").flatMap { Int($0) } ?? 1000)
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
            // The stream ends when its client goes (a failed write) or the front stops: then it
            // sends a last `event: end` so the client knows why, within one refresh at most.
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                var narrowed = parameters
                let step = parameters.spec.step
                let current = WallClock.now().nanoseconds.floorDivided(by: step) * step
                narrowed.spec.from = current - step
                narrowed.spec.to = current + step
                if let answers = try? await service.query(narrowed), let view = await service.clusterView() {
                    let finality = Finality(view)
                    var events = ""
                    for (name, answer) in answers {
                        for group in answer.groups {
                            for (index, start) in group.starts.enumerated() {
                                let data = Self.event(name: name, group: group, index: index, start: start, stats: parameters.stats.map(\.description),
                                                      open: finality.isOpen(bucket: start, step: step))
                                let key = name + "|" + group.key.description + "@\(start)"
                                if sent[key] != data {
                                    sent[key] = data
                                    events += "event: window\ndata: \(data)\n\n"
                                }
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
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(refreshMs)) }
            }
            if Task.isShuttingDownGracefully {
                try await writer.write(ByteBuffer(string: "event: end\ndata: {\"reason\":\"the front node is shutting down\"}\n\n"))
            }
            // Ends the response, which lets the stopping server close the connection.
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// `{"name":...,"tags":{...},"timestamp":ms,"open":bool,"avg":...}` for one bucket; `open`
    /// while the bucket may still grow (see `Finality`).
    static func event(name: String, group: QueryAnswer.Group, index: Int, start: Int64, stats: [String], open: Bool) -> String {
        var json = JSONText()
        json.raw("{\"name\":")
        json.string(name)
        json.raw(",\"tags\":{")
        for (position, tag) in group.key.tags.enumerated() {
            if position > 0 { json.raw(",") }
            json.string(tag.key)
            json.raw(":")
            json.string(tag.value)
        }
        json.raw("},\"timestamp\":")
        json.integer(Timestamp(nanoseconds: start).milliseconds)
        json.raw(open ? ",\"open\":true" : ",\"open\":false")
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
