/// Which mapper takes the batches of an `Idempotency-Key`, so that a retry reaches the mapper
/// that remembers the first answer. Pure: ids and join times come in.
public enum KeyOwnership {
    /// How long mappers remember keys by default (`--retry-window-seconds`), ms.
    public static let retryWindowMs: Int64 = 900_000

    /// The mapper (by id) that takes the batches of `key`: the highest score of key and id, so
    /// that keys move only when their own mapper leaves, or to a mapper that joins.
    public static func owner(of key: String, among ids: [String]) -> String {
        ids.max { score(key, $0) < score(key, $1) } ?? ""
    }

    /// FNV-1a of `key/id`, mixed by splitmix64's finalizer: ids that differ only in their last
    /// byte (`mapper-0`, `mapper-1`) would otherwise differ only in the hash's low bits, and
    /// the last of them would win half of all keys.
    static func score(_ key: String, _ id: String) -> UInt64 {
        var hash = PartitionMap.fnv1a64(key + "/" + id)
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }

    /// The mappers that owned `key` before `owner` joined, when it joined within the retry
    /// window (`knownForMs`: how long the coordinator has known each): with mappers by join
    /// time, the owner among each earlier set that lacks `owner`, in that order. The first
    /// answer to a retried key may be remembered there. Empty when `owner` is not new.
    public static func earlierOwners(of key: String, owner: String, mappers: [(id: String, knownForMs: Int64)], windowMs: Int64) -> [String] {
        guard let joined = mappers.first(where: { $0.id == owner }), joined.knownForMs < windowMs else { return [] }
        let before = mappers.filter { $0.knownForMs > joined.knownForMs }.sorted { ($0.knownForMs, $1.id) > ($1.knownForMs, $0.id) }.map(\.id)
        var owners = [String]()
        for count in before.indices {
            let earlier = Self.owner(of: key, among: Array(before[...count]))
            if !owners.contains(earlier) { owners.append(earlier) }
        }
        return owners
    }
}
