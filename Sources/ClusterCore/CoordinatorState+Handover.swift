/// How a handover ended, for `GET /v1/cluster`.
public struct HandoverOutcome: Codable, Hashable, Sendable {
    public var id: UInt64
    public var reason: String
    /// Partitions it moved (or would have).
    public var moves: Int
    public var completed: Bool
    /// Why it was abandoned.
    public var failure: String?
    /// From start to end, ms.
    public var durationMs: Int64
}

/// A drain or scale request the coordinator refuses.
public struct MembershipError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension CoordinatorState {
    /// A failed handover is not tried again before this long, ns.
    static let handoverBackoff: Int64 = 5_000_000_000

    /// Live reducers that registered but hold no slot, and are not draining: they join with
    /// the next handover. By ordinal, then id.
    public func joiners(now: Int64) -> [ReducerAddress] {
        members.values.filter { member in
            member.report.role == .reducer && isAlive(member, now: now) && map.ordinal(of: member.report.id) == nil
                && !draining.contains(member.report.id)
        }
        .sorted { ($0.report.ordinal ?? .max, $0.report.id) < ($1.report.ordinal ?? .max, $1.report.id) }
        .compactMap { member in
            guard let partials = member.report.endpoints["partials"], let query = member.report.endpoints["query"] else { return nil }
            return ReducerAddress(id: member.report.id, partials: partials, query: query)
        }
    }

    /// Asks reducer `id` to give every partition away and leave the map (and lowers the count
    /// asked for by `scale`, if any, to the reducers staying).
    public mutating func drain(_ id: String, now: Int64) throws(MembershipError) {
        let inMap = map.ordinal(of: id) != nil
        guard inMap || joiners(now: now).contains(where: { $0.id == id }) else {
            throw MembershipError("no reducer '\(id)' in the cluster; its reducers are \(map.reducers.compactMap { $0?.id }.joined(separator: ", "))")
        }
        let staying = map.reducers.compactMap { $0?.id }.filter { $0 != id && !draining.contains($0) }
        guard !staying.isEmpty || !inMap else {
            throw MembershipError("'\(id)' is the last reducer that is not draining; a cluster keeps at least one")
        }
        draining.insert(id)
        // A count asked for before shrinks with it: the drained reducer is not replaced.
        if let desired = desiredReducers { desiredReducers = max(1, min(desired, staying.count)) }
    }

    /// Asks for `count` reducers: more are started by whoever runs the processes (`windrow
    /// local`, a StatefulSet); fewer drain the last ones (by slot, joiners first).
    public mutating func scale(reducers count: Int, now: Int64) throws(MembershipError) {
        guard count >= 1 else { throw MembershipError("count must be at least 1, got \(count)") }
        desiredReducers = count
        let members = map.reducers.compactMap { $0?.id } + joiners(now: now).map(\.id)
        let staying = members.filter { !draining.contains($0) }
        for id in staying.dropFirst(count).reversed() { draining.insert(id) }
    }

    /// One step of handover work: starts one when reducers joined or drain, or a partition is
    /// to be split or joined again (and every reducer of the map is alive and has released
    /// what it gave away), moves a running one from
    /// fencing to copying once every mapper is fenced, and completes it (or abandons it on a
    /// failure) once every target imported its partitions. Returns what happened, for the log.
    /// A handover running longer than `timeout` (ns) is abandoned: mappers hold their flushes
    /// while it runs, so it must end.
    public mutating func stepHandover(now: Int64, timeout: Int64 = 120_000_000_000, planner: Rebalancer = Rebalancer()) -> String? {
        forgetStoppedDrained(now: now)
        guard let handover = map.handover else { return startHandover(now: now, planner: planner) }
        if now - handover.startedAt > timeout {
            let waits = handoverWaitsFor(handover, now: now)
            return endHandover(handover, now: now, failure: "not done in \(timeout / 1_000_000_000) s; waited for \(waits.joined(separator: ", "))")
        }
        switch handover.phase {
        case .fencing:
            guard handoverWaitsFor(handover, now: now).isEmpty else { return nil }
            map.handover!.phase = .copying
            map.version += 1
            return "handover \(handover.id) (\(handover.reason)): every mapper holds its flushes; copying \(handover.moves.count) partitions"
        case .copying:
            let involved = Set(handover.moves.flatMap { [$0.from, $0.to] })
            for id in involved.sorted() {
                if let progress = members[id]?.report.handover, progress.id == handover.id, let failure = progress.failure {
                    return endHandover(handover, now: now, failure: "\(id): \(failure)")
                }
            }
            guard handoverWaitsFor(handover, now: now).isEmpty else { return nil }
            map.complete(handover)
            return endHandover(handover, now: now, failure: nil)
        }
    }

    /// What `handover` waits for, in words (empty: it can take its next step).
    public func handoverWaitsFor(_ handover: Handover, now: Int64) -> [String] {
        switch handover.phase {
        case .fencing:
            // A mapper that is down sends nothing meanwhile; back, it resumes fenced (or, after the
            // flip, resynchronises). Each target checks that every mapper's log, a down one's
            // included, is applied to the same position as at its source, so one that died
            // between its partials fails the handover instead of losing rows.
            return members.values.filter { $0.report.role == .mapper && isAlive($0, now: now) && $0.report.fenced != handover.id }
                .map { "\($0.report.id) to hold its flushes" }.sorted()
        case .copying:
            var waits = [String]()
            for target in Set(handover.moves.map(\.to)).sorted() {
                let progress = members[target]?.report.handover
                let imported = progress?.id == handover.id ? Set(progress!.imported) : []
                let missing = handover.incoming(to: target).filter { !imported.contains($0) }
                if !missing.isEmpty { waits.append("\(target) to import \(missing.count) partitions") }
            }
            return waits
        }
    }

    private mutating func startHandover(now: Int64, planner: Rebalancer) -> String? {
        guard now >= handoverRetryAfter, map.isComplete else { return nil }
        let live = Set(members.values.filter { $0.report.role == .reducer && isAlive($0, now: now) }.map(\.report.id))
        let current = map.reducers.map { $0! }
        guard current.allSatisfy({ live.contains($0.id) }) else { return nil }
        // A reducer still holding partitions it gave away would take them back with stale data.
        guard !members.values.contains(where: { $0.report.role == .reducer && !($0.report.holding ?? []).isEmpty }) else { return nil }
        let leaving = current.map(\.id).filter(draining.contains)
        // Joiners beyond the count asked for wait.
        let room = desiredReducers.map { max(0, $0 - (current.count - leaving.count)) } ?? .max
        let joining = Array(joiners(now: now).prefix(room))
        var reasons = joining.map { "\($0.id) joins" }
        reasons += leaving.map { "\($0) drains" }
        guard !joining.isEmpty || !leaving.isEmpty else {
            guard let (splits, reason) = splitWork(now: now) else { return nil }
            return begin(splitHandover(splits, reason: reason, now: now))
        }
        // Pieces name slots, which a membership change renumbers: splits are undone first.
        if !map.splits.isEmpty {
            return begin(splitHandover([], reason: "splits undone before a membership change (\(reasons.joined(separator: ", ")))", now: now))
        }
        let extended = current + joining
        let active = Set(extended.indices.filter { !draining.contains(extended[$0].id) })
        guard !active.isEmpty else { return nil }
        var planner = planner
        planner.movesMax = map.partitionCount
        let plan = planner.plan(owners: map.owners, load: partitionLoad(now: now), active: active)
        var owners = map.owners
        for move in plan.moves { owners[move.partition] = move.to }
        let kept = extended.indices.filter(active.contains)
        var slot = [Int: Int]()
        for (index, old) in kept.enumerated() { slot[old] = index }
        let handover = Handover(id: nextHandoverID, phase: .fencing,
                                moves: plan.moves.map { Handover.Move(partition: $0.partition, from: extended[$0.from].id, to: extended[$0.to].id) },
                                reducers: kept.map { extended[$0] }, owners: owners.map { slot[$0]! },
                                reason: reasons.joined(separator: ", "), startedAt: now)
        nextHandoverID += 1
        return begin(handover)
    }

    private mutating func begin(_ handover: Handover) -> String {
        map.handover = handover
        map.version += 1
        return "handover \(handover.id) starts (\(handover.reason)): \(handover.moves.count) partitions move; mappers hold their flushes"
    }

    private mutating func endHandover(_ handover: Handover, now: Int64, failure: String?) -> String {
        if failure != nil {
            map.handover = nil
            map.version += 1
            handoverRetryAfter = now + Self.handoverBackoff
        }
        lastHandover = HandoverOutcome(id: handover.id, reason: handover.reason, moves: handover.moves.count, completed: failure == nil,
                                       failure: failure, durationMs: (now - handover.startedAt) / 1_000_000)
        if let failure { return "handover \(handover.id) abandoned, ownership unchanged; retried in 5 s: \(failure)" }
        return "handover \(handover.id) (\(handover.reason)) done: \(handover.moves.count) partitions moved, map version \(map.version)"
    }

    /// A drained reducer that left the map and stopped is forgotten: started again, it joins.
    private mutating func forgetStoppedDrained(now: Int64) {
        for id in draining where map.ordinal(of: id) == nil && map.handover?.moves.contains(where: { $0.from == id }) != true {
            if members[id].map({ isAlive($0, now: now) }) != true { draining.remove(id) }
        }
    }
}
