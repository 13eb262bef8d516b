/// The coordinator's state: membership, the partition map and the global watermark. Pure:
/// time comes in as arguments. Persisted (as JSON) so that a restart keeps the map.
public struct CoordinatorState: Codable, Sendable {
    public struct Member: Codable, Sendable {
        public var report: NodeReport
        /// When the last heartbeat arrived, ns (coordinator clock).
        public var lastSeen: Int64
        /// When the first heartbeat of this id arrived (`nil` in a state saved before it was kept).
        public var firstSeen: Int64?
    }

    public internal(set) var map: PartitionMap
    /// Never moves backwards.
    public private(set) var watermark: Int64?
    public internal(set) var members: [String: Member] = [:]
    /// A node not heard from for this long is considered down, ns.
    public var livenessTimeout: Int64
    /// Most series the live reducers may hold together (their `series` figures); `nil`: no limit.
    public var seriesMax: Int?
    /// Reducers asked to drain: they give every partition away, then leave the map.
    public internal(set) var draining: Set<String> = []
    /// The reducer count asked for, if any (`windrow local` starts reducers up to it).
    public internal(set) var desiredReducers: Int?
    /// How the last handover ended.
    public internal(set) var lastHandover: HandoverOutcome?
    var nextHandoverID: UInt64 = 1
    /// No handover starts before this time (ns): a failed one backs off.
    var handoverRetryAfter: Int64 = 0
    /// When hot partitions are split (set at start, not saved).
    public var splitPolicy = SplitPolicy()
    /// Since when each unsplit partition has been hot, and each split one cold (ns).
    var hotSince: [Int: Int64] = [:]
    var coldSince: [Int: Int64] = [:]

    enum CodingKeys: String, CodingKey {
        case map, watermark, members, livenessTimeout, seriesMax, draining, desiredReducers, lastHandover, nextHandoverID
    }

    /// Decodes a saved state; one saved before handovers existed has none of their fields.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        map = try container.decode(PartitionMap.self, forKey: .map)
        watermark = try container.decodeIfPresent(Int64.self, forKey: .watermark)
        members = try container.decode([String: Member].self, forKey: .members)
        livenessTimeout = try container.decode(Int64.self, forKey: .livenessTimeout)
        seriesMax = try container.decodeIfPresent(Int.self, forKey: .seriesMax)
        draining = try container.decodeIfPresent(Set<String>.self, forKey: .draining) ?? []
        desiredReducers = try container.decodeIfPresent(Int.self, forKey: .desiredReducers)
        lastHandover = try container.decodeIfPresent(HandoverOutcome.self, forKey: .lastHandover)
        nextHandoverID = try container.decodeIfPresent(UInt64.self, forKey: .nextHandoverID) ?? 1
    }

    public init(partitionCount: Int, reducerCount: Int, windowNanoseconds: Int64, sketchAccuracy: Double,
                livenessTimeout: Int64 = 5_000_000_000) {
        map = PartitionMap(partitionCount: partitionCount, reducerCount: reducerCount,
                           windowNanoseconds: windowNanoseconds, sketchAccuracy: sketchAccuracy)
        self.livenessTimeout = livenessTimeout
    }

    /// Whether `member` has sent a heartbeat within the liveness timeout.
    public func isAlive(_ member: Member, now: Int64) -> Bool {
        now - member.lastSeen <= livenessTimeout
    }

    /// Records a heartbeat and returns the map and watermark the node should use.
    public mutating func heartbeat(_ report: NodeReport, now: Int64) -> HeartbeatReply {
        // A drained reducer that stopped and came back (a pod restarted) joins again.
        if report.role == .reducer, let earlier = members[report.id], !isAlive(earlier, now: now), map.ordinal(of: report.id) == nil {
            draining.remove(report.id)
        }
        members[report.id] = Member(report: report, lastSeen: now, firstSeen: members[report.id].map { $0.firstSeen ?? $0.lastSeen } ?? now)
        if report.role == .reducer, let ordinal = report.ordinal,
           let partials = report.endpoints["partials"], let query = report.endpoints["query"] {
            map.register(ordinal: ordinal, address: ReducerAddress(id: report.id, partials: partials, query: query))
        }
        advanceWatermark(now: now)
        return HeartbeatReply(map: map, watermark: watermark, seriesFull: seriesMax.map { seriesHeld(now: now) >= Double($0) })
    }

    /// Series held by the live reducers, as their last heartbeats said.
    public func seriesHeld(now: Int64) -> Double {
        members.values.filter { $0.report.role == .reducer && isAlive($0, now: now) }.reduce(0) { $0 + ($1.report.figures["series"] ?? 0) }
    }

    /// Moves the watermark to the smallest low watermark among live mappers, if that is later.
    public mutating func advanceWatermark(now: Int64) {
        let marks = members.values.filter { $0.report.role == .mapper && isAlive($0, now: now) }.compactMap(\.report.watermark)
        guard let lowest = marks.min() else { return }
        watermark = max(watermark ?? .min, lowest)
    }

    /// Each partition's load (samples plus rows merged per second) as the live reducers last
    /// reported it; a dead reducer's partitions count as idle.
    public func partitionLoad(now: Int64) -> [Double] {
        var load = Array(repeating: 0.0, count: map.partitionCount)
        for member in members.values where member.report.role == .reducer && isAlive(member, now: now) {
            for entry in member.report.partitionLoad ?? [] where load.indices.contains(entry.partition) {
                load[entry.partition] += entry.samplesPerSecond + entry.rowsPerSecond
            }
        }
        return load
    }

    /// The moves that would balance the measured load over the live, registered reducers.
    public func balance(now: Int64, planner: Rebalancer = Rebalancer()) -> Rebalancer.Plan {
        let live = Set(members.values.filter { $0.report.role == .reducer && isAlive($0, now: now) }.map(\.report.id))
        let active = Set(map.reducers.indices.filter { map.reducers[$0].map { live.contains($0.id) } ?? false })
        return planner.plan(owners: map.owners, load: partitionLoad(now: now), active: active)
    }

    /// Everything, for `GET /v1/cluster`.
    public func view(now: Int64) -> ClusterView {
        let nodes = members.values.sorted { ($0.report.role.rawValue, $0.report.id) < ($1.report.role.rawValue, $1.report.id) }.map {
            ClusterView.Node(report: $0.report, alive: isAlive($0, now: now), lastSeenMs: (now - $0.lastSeen) / 1_000_000,
                             knownForMs: $0.firstSeen.map { (now - $0) / 1_000_000 })
        }
        var view = ClusterView(map: map, watermark: watermark, nodes: nodes, balance: balance(now: now))
        view.draining = draining.isEmpty ? nil : draining.sorted()
        view.desiredReducers = desiredReducers
        view.handoverWaitsFor = map.handover.map { handoverWaitsFor($0, now: now) }
        view.lastHandover = lastHandover
        return view
    }
}
