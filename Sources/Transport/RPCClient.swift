import Foundation
import Synchronization
import ZeroMQ

/// The calling side of calls between processes: one background thread owns a DEALER socket per
/// endpoint (libzmq sockets are single-threaded); any thread or task submits calls and gets
/// each answer, an error, or a timeout exactly once.
public final class RPCClient: Sendable {
    public typealias Completion = @Sendable (Result<[UInt8], RPCError>) -> Void

    struct Outgoing {
        var id: UInt64
        var endpoint: String
        var method: String
        var body: [UInt8]
        var credential: [UInt8]?
        var deadline: ContinuousClock.Instant
        var completion: Completion
    }

    struct Shared {
        var queue: [Outgoing] = []
        var nextID: UInt64 = 1
        var stopping = false
    }

    /// Most calls awaiting an answer per endpoint before new ones fail at once.
    public static let queuedPerEndpointMax: Int32 = 10_000

    private let shared = Mutex(Shared())
    private let inFlight = Atomic<Int>(0)
    private let waker = Waker()
    private let finished = DispatchSemaphore(value: 0)
    private let context: Context
    /// Sent as the credential of every call that names none: the cluster secret.
    private let secret: [UInt8]?

    /// A client whose calls carry `secret` (the cluster secret) unless a call names its own
    /// credential (a producer's token for a mapper).
    public init(context: TransportContext, name: String = "rpc-client", secret: [UInt8]? = nil) {
        self.context = context.zmq
        self.secret = secret
        let thread = Thread { [self] in
            ClientLoop(client: self).run()
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Sends `body` to `method` at `endpoint`, with `credential` (a token) as a last part when
    /// given; `completion` runs on the client's thread.
    public func send(to endpoint: String, method: String, body: [UInt8], credential: [UInt8]? = nil, timeout: Duration,
                     completion: @escaping Completion) {
        let rejected = shared.withLock { state -> Bool in
            if state.stopping { return true }
            state.queue.append(Outgoing(id: state.nextID, endpoint: endpoint, method: method, body: body, credential: credential ?? secret,
                                        deadline: .now + timeout, completion: completion))
            state.nextID += 1
            return false
        }
        if rejected {
            completion(.failure(RPCError(.shutdown, "the client is shut down")))
        } else {
            waker.wake()
        }
    }

    /// Calls `method` at `endpoint` and waits for the answer.
    public func call(_ endpoint: String, _ method: String, body: [UInt8], credential: [UInt8]? = nil,
                     timeout: Duration = .seconds(5)) async throws(RPCError) -> [UInt8] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8], RPCError>, Never>) in
            send(to: endpoint, method: method, body: body, credential: credential, timeout: timeout) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Calls sent and awaiting their answer: the depth of this client's ZeroMQ request queues.
    public var callsInFlight: Int { inFlight.load(ordering: .relaxed) }

    fileprivate func setCallsInFlight(_ count: Int) { inFlight.store(count, ordering: .relaxed) }

    /// Fails every call in flight and stops the thread (waiting for it).
    public func shutdown() {
        let first = shared.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        waker.wake()
        finished.wait()
    }

    fileprivate func takeQueue() -> (calls: [Outgoing], stopping: Bool) {
        shared.withLock { state in
            defer { state.queue.removeAll() }
            return (state.queue, state.stopping)
        }
    }

    fileprivate var wakeDescriptor: Int32 { waker.descriptor }
    fileprivate func drainWaker() { waker.drain() }
    fileprivate var zmqContext: Context { context }
}

/// The client's thread: owns the sockets and the calls awaiting answers.
private final class ClientLoop {
    let client: RPCClient
    var sockets: [String: Socket] = [:]
    var endpoints: [String] = []
    var pending: [UInt64: (deadline: ContinuousClock.Instant, completion: RPCClient.Completion)] = [:]

    init(client: RPCClient) {
        self.client = client
    }

    func run() {
        while true {
            let (calls, stopping) = client.takeQueue()
            if stopping {
                for call in calls { call.completion(.failure(RPCError(.shutdown, "the client is shut down"))) }
                for (_, entry) in pending { entry.completion(.failure(RPCError(.shutdown, "the client is shut down"))) }
                pending.removeAll()
                for socket in sockets.values { socket.close() }
                return
            }
            for call in calls { submit(call) }
            client.setCallsInFlight(pending.count)
            let now = ContinuousClock.now
            let nextDeadline = pending.values.map(\.deadline).min()
            let waitMs = nextDeadline.map { max(0, min(100, Int(($0 - now).components.seconds * 1000 + ($0 - now).components.attoseconds / 1_000_000_000_000_000) + 1)) } ?? 100
            var items: [PollItem] = [.descriptor(client.wakeDescriptor, .readable)]
            for endpoint in endpoints { items.append(.socket(sockets[endpoint]!, .readable)) }
            guard let ready = try? Poller.poll(items, timeoutMs: waitMs) else { continue }
            if ready[0].contains(.readable) { client.drainWaker() }
            for (index, endpoint) in endpoints.enumerated() where ready[index + 1].contains(.readable) {
                receiveAll(from: sockets[endpoint]!)
            }
            expire(now: .now)
        }
    }

    func submit(_ call: RPCClient.Outgoing) {
        do {
            let socket = try socket(for: call.endpoint)
            var parts = [Envelope.encode(call.id), Array(call.method.utf8), call.body]
            if let credential = call.credential { parts.append(credential) }
            let sent = try socket.send(multipart: parts, blocking: false)
            guard sent else {
                call.completion(.failure(RPCError(.transport, "too many calls queued for \(call.endpoint)")))
                return
            }
            pending[call.id] = (call.deadline, call.completion)
        } catch {
            call.completion(.failure(RPCError(.transport, "cannot call \(call.endpoint): \(error)")))
        }
    }

    func socket(for endpoint: String) throws(ZeroMQError) -> Socket {
        if let socket = sockets[endpoint] { return socket }
        let socket = try Socket(client.zmqContext, .dealer)
        try socket.setSendHighWaterMark(RPCClient.queuedPerEndpointMax)
        try socket.setReceiveHighWaterMark(RPCClient.queuedPerEndpointMax)
        try socket.connect(endpoint)
        sockets[endpoint] = socket
        endpoints.append(endpoint)
        return socket
    }

    func receiveAll(from socket: Socket) {
        while let frames = try? socket.receiveMultipart(blocking: false) {
            guard frames.count == 3, let id = Envelope.decodeID(frames[0]), frames[1].count == 1,
                  let entry = pending.removeValue(forKey: id) else { continue }
            if frames[1][0] == Envelope.ok {
                entry.completion(.success(frames[2]))
            } else {
                entry.completion(.failure(RPCError(.remote, String(decoding: frames[2], as: UTF8.self))))
            }
        }
    }

    func expire(now: ContinuousClock.Instant) {
        for (id, entry) in pending where entry.deadline <= now {
            pending[id] = nil
            entry.completion(.failure(RPCError(.timeout, "no answer in time")))
        }
    }
}
