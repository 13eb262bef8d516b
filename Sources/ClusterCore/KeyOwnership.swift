/// Which mapper takes the batches of an `Idempotency-Key`, so that a retry reaches the mapper
/// that remembers the first answer. Pure: ids and join times come in.
public enum KeyOwnership {
    /// How long mappers remember keys by default (`--retry-window-seconds`), ms.
    public static let retryWindowMs: Int64 = 900_000

    /// The mapper (by id) that takes the batches of `key`: the highest FNV-1a hash of key and
    /// id, so that keys move only when their own mapper leaves, or to a mapper that joins.
    public static func owner(of key: String, among ids: [String]) -> String {
        ids.max { PartitionMap.fnv1a64(key + "/" + $0) < PartitionMap.fnv1a64(key + "/" + $1) } ?? ""
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
