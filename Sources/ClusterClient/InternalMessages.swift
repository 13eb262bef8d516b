import ClusterCore
import Codec
import Ingest
import Transport
import Wire

/// Every call between Windrow processes, by the method name it travels under in the envelope
/// (docs/protocol.md, "Between cluster processes"). Each has one message type below with one
/// codec for its request and its reply, and a request is validated as it is decoded, so a bad
/// peer gets an error naming what is wrong, never a trap further on.
public enum InternalMethod: String, Sendable, CaseIterable {
    /// Coordinator: a node's heartbeat (`NodeReport` → `HeartbeatReply`).
    case heartbeat
    /// Coordinator: the whole cluster (→ `ClusterView`).
    case cluster
    /// Reducer partials endpoint: a partial batch frame (→ `AppliedReply`).
    case partials
    /// Reducer partials endpoint: how far a mapper's log is applied (→ `AppliedReply`).
    case applied
    /// Reducer query endpoint: a query (`QuerySpec` → `QueryAnswer`).
    case query
    /// Reducer query endpoint: a query of a split partition's piece (`StatesQuery` → `QueryStates`):
    /// merged window states per bucket, which the front merges over the pieces.
    case queryStates = "query_states"
    /// Reducer query endpoint: metric names (→ names).
    case names
    /// Reducer query endpoint: the series of one name (`SeriesRequest` → listings).
    case series
    /// Mapper acknowledged endpoint: a sample batch frame (→ `IngestReply`).
    case samples
    /// Mapper acknowledged endpoint: a line protocol body, parsed by the mapper (→ `IngestReply`).
    case lines
    /// Mapper acknowledged endpoint: the first answer it gave a keyed batch, if it remembers
    /// one (`RetryLookup` → `IngestReply?`); asked by a front whose key moved to a new mapper.
    case retryLookup = "retry_lookup"
    /// Coordinator: drain a reducer (`DrainRequest` → `MembershipReply`).
    case drain
    /// Coordinator: ask for a reducer count (`ScaleRequest` → `MembershipReply`).
    case scale
    /// Reducer query endpoint: the files of a partition it gives away (`ExportRequest` → `ExportListing`).
    case export
    /// Reducer query endpoint: bytes of one exported file (`FetchRequest` → the bytes).
    case fetch

    /// The method a request names, or `nil` for one this build does not know.
    public init?(_ request: RPCServer.Request) {
        self.init(rawValue: request.method)
    }
}

/// One internal call: its method, the request's codec (decoding validates) and the reply's.
public protocol InternalCall: Sendable {
    associatedtype Reply: Sendable
    static var method: InternalMethod { get }
    func encode() -> [UInt8]
    static func decode(_ bytes: [UInt8]) throws(MessageError) -> Self
    static func encode(reply: Reply) -> [UInt8]
    /// Decodes the reply to this request (a query's answer needs its stat count).
    func decode(reply bytes: [UInt8]) throws(MessageError) -> Reply
}

/// A message that does not decode or does not validate: what and why.
public struct MessageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ method: InternalMethod, _ reason: String) { description = "malformed \(method.rawValue) message: \(reason)" }
}

/// JSON messages whose request and reply are `Codable` values.
protocol JSONCall: InternalCall, Codable where Reply: Codable {
    /// Checks a decoded request; throws the reason it cannot be served.
    func validate() throws(MessageError)
}

extension JSONCall {
    public func encode() -> [UInt8] { JSONWire.encode(self) }

    public static func decode(_ bytes: [UInt8]) throws(MessageError) -> Self {
        let value: Self
        do { value = try JSONWire.decode(Self.self, from: bytes) } catch { throw MessageError(method, "\(error)") }
        try value.validate()
        return value
    }

    public static func encode(reply: Reply) -> [UInt8] { JSONWire.encode(reply) }

    public func decode(reply bytes: [UInt8]) throws(MessageError) -> Reply {
        do { return try JSONWire.decode(Reply.self, from: bytes) } catch { throw MessageError(Self.method, "reply: \(error)") }
    }
}

/// Most bytes of an id, prefix or metric name in a control message.
let nameBytesMax = 200

extension NodeReport: JSONCall {
    public typealias Reply = HeartbeatReply
    public static var method: InternalMethod { .heartbeat }

    func validate() throws(MessageError) {
        guard !id.isEmpty, id.utf8.count <= nameBytesMax else { throw MessageError(.heartbeat, "node id must be 1 to \(nameBytesMax) bytes") }
        guard endpoints.count <= 16, figures.count <= 64 else { throw MessageError(.heartbeat, "at most 16 endpoints and 64 figures") }
        if let ordinal, ordinal < 0 { throw MessageError(.heartbeat, "ordinal \(ordinal) is negative") }
        if let load = partitionLoad {
            guard load.count <= 65_536, load.allSatisfy({ $0.partition >= 0 && $0.samplesPerSecond.isFinite && $0.rowsPerSecond.isFinite }) else {
                throw MessageError(.heartbeat, "partition load must list at most 65536 partitions (each at least 0) with finite rates")
            }
        }
    }
}

/// Asks the coordinator for the whole cluster.
public struct ClusterRequest: JSONCall {
    public typealias Reply = ClusterView
    public static var method: InternalMethod { .cluster }
    public init() {}
    public func encode() -> [UInt8] { [] }
    public static func decode(_ bytes: [UInt8]) throws(MessageError) -> ClusterRequest { ClusterRequest() }
    func validate() throws(MessageError) {}
}

extension AppliedRequest: JSONCall {
    public typealias Reply = AppliedReply
    public static var method: InternalMethod { .applied }

    func validate() throws(MessageError) {
        guard !origin.isEmpty, origin.utf8.count <= nameBytesMax else { throw MessageError(.applied, "origin must be 1 to \(nameBytesMax) bytes") }
    }
}

/// Asks a mapper for the first answer to a keyed batch.
public struct RetryLookup: JSONCall {
    public typealias Reply = IngestReply?
    public static var method: InternalMethod { .retryLookup }
    public var producer: String
    public var sequence: UInt64

    public init(_ key: ProducerKey) {
        producer = key.producer
        sequence = key.sequence
    }

    public var key: ProducerKey { ProducerKey(producer: producer, sequence: sequence) }

    func validate() throws(MessageError) {
        guard !producer.isEmpty, producer.utf8.count <= ProducerKey.producerBytesMax else {
            throw MessageError(.retryLookup, "producer must be 1 to \(ProducerKey.producerBytesMax) bytes")
        }
    }
}

extension NamesRequest: JSONCall {
    public typealias Reply = [String]
    public static var method: InternalMethod { .names }

    func validate() throws(MessageError) {
        guard prefix.utf8.count <= nameBytesMax else { throw MessageError(.names, "prefix is longer than \(nameBytesMax) bytes") }
    }
}

extension SeriesRequest: JSONCall {
    public typealias Reply = [SeriesListing]
    public static var method: InternalMethod { .series }

    func validate() throws(MessageError) {
        guard !name.isEmpty, name.utf8.count <= nameBytesMax else { throw MessageError(.series, "name must be 1 to \(nameBytesMax) bytes") }
    }
}

extension QuerySpec: InternalCall {
    public typealias Reply = QueryAnswer
    public static var method: InternalMethod { .query }
    public func encode() -> [UInt8] { JSONWire.encode(self) }

    /// Decodes the spec; the receiver checks it against its base window with `validated(window:)`.
    public static func decode(_ bytes: [UInt8]) throws(MessageError) -> QuerySpec {
        do { return try JSONWire.decode(QuerySpec.self, from: bytes) } catch { throw MessageError(.query, "\(error)") }
    }

    public static func encode(reply: QueryAnswer) -> [UInt8] { reply.encode() }

    public func decode(reply bytes: [UInt8]) throws(MessageError) -> QueryAnswer {
        do { return try QueryAnswer.decode(bytes, statCount: stats.count) } catch { throw MessageError(.query, "answer: \(error)") }
    }
}

/// A query whose answer is window states, not stats: asked of every piece of a split partition.
public struct StatesQuery: InternalCall {
    public typealias Reply = QueryStates
    public static var method: InternalMethod { .queryStates }
    public var spec: QuerySpec

    public init(_ spec: QuerySpec) {
        self.spec = spec
    }

    public func encode() -> [UInt8] { JSONWire.encode(spec) }

    /// Decodes the spec; the receiver checks it against its base window with `validated(window:)`.
    public static func decode(_ bytes: [UInt8]) throws(MessageError) -> StatesQuery {
        do { return StatesQuery(try JSONWire.decode(QuerySpec.self, from: bytes)) } catch { throw MessageError(.queryStates, "\(error)") }
    }

    public static func encode(reply: QueryStates) -> [UInt8] { reply.encode() }

    public func decode(reply bytes: [UInt8]) throws(MessageError) -> QueryStates {
        do { return try QueryStates.decode(bytes) } catch { throw MessageError(.queryStates, "answer: \(error)") }
    }
}

/// A call whose request is a binary frame, decoded by its receiver (with its own rules), and
/// whose reply is JSON.
public protocol FrameCall: InternalCall where Reply: Codable {
    var frame: [UInt8] { get }
    init(frame: [UInt8])
}

extension FrameCall {
    public func encode() -> [UInt8] { frame }
    public static func decode(_ bytes: [UInt8]) throws(MessageError) -> Self { Self(frame: bytes) }
    public static func encode(reply: Reply) -> [UInt8] { JSONWire.encode(reply) }

    public func decode(reply bytes: [UInt8]) throws(MessageError) -> Reply {
        do { return try JSONWire.decode(Reply.self, from: bytes) } catch { throw MessageError(Self.method, "reply: \(error)") }
    }
}

/// A partial batch on its way to a reducer (the frame as the mapper encoded it).
public struct PartialsCall: FrameCall {
    public typealias Reply = AppliedReply
    public static var method: InternalMethod { .partials }
    public let frame: [UInt8]
    public init(frame: [UInt8]) { self.frame = frame }
}

/// A sample batch on its way to a mapper's acknowledged endpoint.
public struct SamplesCall: FrameCall {
    public typealias Reply = IngestReply
    public static var method: InternalMethod { .samples }
    public let frame: [UInt8]
    public init(frame: [UInt8]) { self.frame = frame }
}

extension RPCClient {
    /// Sends `call` to `endpoint`; `completion` gets the decoded reply (on the client's thread).
    public func send<Call: InternalCall>(_ call: Call, to endpoint: String, credential: [UInt8]? = nil, timeout: Duration,
                                         completion: @escaping @Sendable (Result<Call.Reply, RPCError>) -> Void) {
        send(to: endpoint, method: Call.method.rawValue, body: call.encode(), credential: credential, timeout: timeout) { result in
            completion(result.flatMap { bytes -> Result<Call.Reply, RPCError> in
                do throws(MessageError) {
                    return .success(try call.decode(reply: bytes))
                } catch {
                    return .failure(RPCError(.remote, error.description))
                }
            })
        }
    }

    /// Calls `call` at `endpoint` and waits for the decoded reply.
    public func call<Call: InternalCall>(_ call: Call, at endpoint: String, credential: [UInt8]? = nil,
                                         timeout: Duration = .seconds(5)) async throws(RPCError) -> Call.Reply {
        let bytes = try await self.call(endpoint, Call.method.rawValue, body: call.encode(), credential: credential, timeout: timeout)
        do { return try call.decode(reply: bytes) } catch { throw RPCError(.remote, error.description) }
    }
}

extension RPCServer {
    /// Answers `request` with the encoded reply of `Call`.
    public func reply<Call: InternalCall>(_ request: Request, _ call: Call.Type, _ reply: Call.Reply) {
        self.reply(request, Call.encode(reply: reply))
    }
}

/// A text or protobuf ingest body on its way to a mapper's acknowledged endpoint, which parses
/// it (the front forwards bodies as they came, remote_write ones expanded from snappy). Layout
/// (docs/protocol.md, "Line protocol"):
/// `u8 format (1 line protocol, 2 remote_write) | u8 precision | u64 batch id | u8 keyed | [string producer | u64 sequence] | body`.
public struct LinesCall: InternalCall {
    /// What the body is.
    public enum Format: UInt8, Sendable {
        /// InfluxDB line protocol, timestamps in `precision`.
        case lineProtocol = 1
        /// A Prometheus remote_write 1.0 `WriteRequest` (protobuf, not compressed).
        case remoteWrite = 2
    }

    public typealias Reply = IngestReply
    public static var method: InternalMethod { .lines }
    public var format: Format
    public var batchID: UInt64
    public var producerKey: ProducerKey?
    public var precision: LineProtocol.Precision
    public var body: [UInt8]

    public init(format: Format = .lineProtocol, batchID: UInt64, producerKey: ProducerKey?, precision: LineProtocol.Precision = .milliseconds,
                body: [UInt8]) {
        self.format = format
        self.batchID = batchID
        self.producerKey = producerKey
        self.precision = precision
        self.body = body
    }

    public func encode() -> [UInt8] {
        var writer = ByteWriter(capacity: 32 + body.count)
        writer.append(format.rawValue)
        writer.append(precision.rawValue)
        writer.append(batchID)
        writer.append(UInt8(producerKey == nil ? 0 : 1))
        if let producerKey {
            writer.appendString(producerKey.producer)
            writer.append(producerKey.sequence)
        }
        writer.append(bytes: body)
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(MessageError) -> LinesCall {
        var reader = ByteReader(bytes, subject: "lines message")
        do {
            let formatCode = try reader.read(UInt8.self, "format")
            guard let format = Format(rawValue: formatCode) else { throw MessageError(.lines, "format \(formatCode); this build reads 1 and 2") }
            let code = try reader.read(UInt8.self, "precision")
            guard let precision = LineProtocol.Precision(rawValue: code) else { throw MessageError(.lines, "precision code \(code) is not 0-5") }
            let batchID = try reader.read(UInt64.self, "batch id")
            var producerKey: ProducerKey?
            if try reader.read(UInt8.self, "keyed") != 0 {
                let producer = try reader.readString("producer id", limit: ProducerKey.producerBytesMax)
                guard !producer.isEmpty else { throw MessageError(.lines, "the producer id is empty") }
                producerKey = ProducerKey(producer: producer, sequence: try reader.read(UInt64.self, "sequence"))
            }
            return LinesCall(format: format, batchID: batchID, producerKey: producerKey, precision: precision,
                             body: Array(bytes[(bytes.count - reader.remaining)...]))
        } catch let error as MessageError {
            throw error
        } catch {
            throw MessageError(.lines, "\(error)")
        }
    }

    public static func encode(reply: IngestReply) -> [UInt8] { JSONWire.encode(reply) }

    public func decode(reply bytes: [UInt8]) throws(MessageError) -> IngestReply {
        do { return try JSONWire.decode(IngestReply.self, from: bytes) } catch { throw MessageError(.lines, "reply: \(error)") }
    }
}

/// Asks the coordinator to drain reducer `node`: it gives every partition away, then leaves.
public struct DrainRequest: JSONCall {
    public typealias Reply = MembershipReply
    public static var method: InternalMethod { .drain }
    public var node: String
    public init(node: String) { self.node = node }

    func validate() throws(MessageError) {
        guard !node.isEmpty, node.utf8.count <= nameBytesMax else { throw MessageError(.drain, "node must be 1 to \(nameBytesMax) bytes") }
    }
}

/// Asks the coordinator for `reducers` reducers.
public struct ScaleRequest: JSONCall {
    public typealias Reply = MembershipReply
    public static var method: InternalMethod { .scale }
    public var reducers: Int
    public init(reducers: Int) { self.reducers = reducers }

    func validate() throws(MessageError) {
        guard (1...1024).contains(reducers) else { throw MessageError(.scale, "reducers must be 1 to 1024, got \(reducers)") }
    }
}

/// The coordinator's answer to a drain or scale request: what it will do.
public struct MembershipReply: Codable, Hashable, Sendable {
    public var message: String
    /// Reducers draining now.
    public var draining: [String]
    public init(message: String, draining: [String]) {
        self.message = message
        self.draining = draining
    }
}

/// Asks a reducer for the files of `partition`, which it gives away in handover `handover`.
public struct ExportRequest: JSONCall {
    public typealias Reply = ExportListing
    public static var method: InternalMethod { .export }
    public var handover: UInt64
    public var partition: Int
    public init(handover: UInt64, partition: Int) {
        self.handover = handover
        self.partition = partition
    }

    func validate() throws(MessageError) {
        guard partition >= 0 else { throw MessageError(.export, "partition \(partition) is negative") }
    }
}

/// The shard files of an exported partition, and how far the source applied every mapper's log.
public struct ExportListing: Codable, Hashable, Sendable {
    /// One file as its manifest lists it.
    public struct File: Codable, Hashable, Sendable {
        public var name: String
        public var day: Int64
        public var group: String
        public var level: UInt8
        public var resolution: Int64
        public var bytes: UInt64
        public var rows: UInt64

        public init(name: String, day: Int64, group: String, level: UInt8, resolution: Int64, bytes: UInt64, rows: UInt64) {
            self.name = name
            self.day = day
            self.group = group
            self.level = level
            self.resolution = resolution
            self.bytes = bytes
            self.rows = rows
        }
    }

    public var files: [File]
    public var applied: [String: UInt64]
    public init(files: [File], applied: [String: UInt64]) {
        self.files = files
        self.applied = applied
    }
}

/// Asks a reducer for `length` bytes at `offset` of exported file `name` of handover `handover`.
public struct FetchRequest: InternalCall, Codable {
    public typealias Reply = [UInt8]
    public static var method: InternalMethod { .fetch }
    /// Most bytes one fetch answers.
    public static let lengthMax = 4 << 20
    public var handover: UInt64
    public var name: String
    public var offset: UInt64
    public var length: Int
    public init(handover: UInt64, name: String, offset: UInt64, length: Int) {
        self.handover = handover
        self.name = name
        self.offset = offset
        self.length = length
    }

    public func encode() -> [UInt8] { JSONWire.encode(self) }

    public static func decode(_ bytes: [UInt8]) throws(MessageError) -> FetchRequest {
        let value: FetchRequest
        do { value = try JSONWire.decode(FetchRequest.self, from: bytes) } catch { throw MessageError(.fetch, "\(error)") }
        guard !value.name.isEmpty, value.name.utf8.count <= nameBytesMax, !value.name.contains("/") else {
            throw MessageError(.fetch, "name must be a file name of 1 to \(nameBytesMax) bytes")
        }
        guard (1...lengthMax).contains(value.length) else { throw MessageError(.fetch, "length must be 1 to \(lengthMax), got \(value.length)") }
        return value
    }

    public static func encode(reply: [UInt8]) -> [UInt8] { reply }
    public func decode(reply bytes: [UInt8]) throws(MessageError) -> [UInt8] { bytes }
}
