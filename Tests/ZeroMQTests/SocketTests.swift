import Testing
import ZeroMQ

@Suite struct SocketTests {
    @Test func pushPullRoundTripOverTCP() throws {
        let context = Context()
        let pull = try Socket(context, .pull)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let push = try Socket(context, .push)
        try push.connect(endpoint)
        let payloads = (0..<100).map { index in (0..<(index * 97)).map { UInt8(truncatingIfNeeded: $0 &+ index) } }
        for payload in payloads { try push.send(payload) }
        try pull.setReceiveTimeout(milliseconds: 5000)
        for payload in payloads {
            let frame = try #require(try pull.receiveFrame())
            #expect(frame.bytes == payload)
            #expect(!frame.more)
        }
        #expect(try pull.receiveFrame(blocking: false) == nil)
    }

    @Test func dealerRouterRequestAndReply() throws {
        let context = Context()
        let router = try Socket(context, .router)
        try router.setRouterMandatory(true)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(context, .dealer)
        try dealer.setIdentity(Array("producer-1".utf8))
        try dealer.connect(try router.lastEndpoint)
        try router.setReceiveTimeout(milliseconds: 5000)
        try dealer.setReceiveTimeout(milliseconds: 5000)

        try dealer.send(multipart: [Array("batch".utf8), [1, 2, 3]])
        let request = try #require(try router.receiveMultipart())
        #expect(request.count == 3)
        #expect(request[0] == Array("producer-1".utf8))
        #expect(request[1] == Array("batch".utf8))
        #expect(request[2] == [1, 2, 3])

        try router.send(multipart: [request[0], Array("ack".utf8)])
        let reply = try #require(try dealer.receiveMultipart())
        #expect(reply == [Array("ack".utf8)])

        // ROUTER_MANDATORY: a reply to an unknown peer fails loudly instead of vanishing.
        #expect(throws: ZeroMQError.self) { try router.send(multipart: [Array("nobody".utf8), [0]]) }
    }

    @Test func publishSubscribeFiltersByPrefix() throws {
        let context = Context()
        let publisher = try Socket(context, .publish)
        try publisher.bind("tcp://127.0.0.1:*")
        let subscriber = try Socket(context, .subscribe)
        try subscriber.subscribe(Array("map".utf8))
        try subscriber.setReceiveTimeout(milliseconds: 100)
        try subscriber.connect(try publisher.lastEndpoint)
        // Subscriptions propagate asynchronously: publish until one arrives (bounded).
        var received: [UInt8]?
        for _ in 0..<50 where received == nil {
            try publisher.send(Array("other".utf8))
            try publisher.send(Array("map v1".utf8))
            received = try subscriber.receiveFrame()?.bytes
        }
        #expect(received == Array("map v1".utf8))
    }

    @Test func pollReportsReadiness() throws {
        let context = Context()
        let pull = try Socket(context, .pull)
        try pull.bind("tcp://127.0.0.1:*")
        let push = try Socket(context, .push)
        try push.connect(try pull.lastEndpoint)
        #expect(try Poller.poll([(pull, .readable)], timeoutMs: 0) == [[]])
        try push.send([42])
        #expect(try Poller.poll([(pull, .readable)], timeoutMs: 5000) == [.readable])
        #expect(try pull.receiveFrame()?.bytes == [42])
    }

    @Test func errorsCarryLibzmqText() throws {
        let context = Context()
        let socket = try Socket(context, .pull)
        do {
            try socket.bind("nonsense://x")
            Issue.record("bind succeeded")
        } catch {
            #expect(error.description.hasPrefix("zmq bind nonsense://x failed: Protocol not supported"))
        }
        socket.close()
        #expect(throws: ZeroMQError.self) { try socket.send([1]) }
    }

    @Test func shutdownWakesABlockedReceiver() async throws {
        let context = Context()
        let task = Task.detached {
            let socket = try Socket(context, .pull)
            try socket.bind("tcp://127.0.0.1:*")
            do {
                _ = try socket.receiveFrame()
                return false
            } catch {
                return (error as? ZeroMQError)?.isTerminated == true
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        context.shutdown()
        #expect(try await task.value)
    }
}
