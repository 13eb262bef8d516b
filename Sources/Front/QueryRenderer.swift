import Aggregation
import ClusterCore
import Model

/// Turns merged buckets into the `GET /v1/query` answer:
/// `{"name", "step", "from", "to", "series": [{"tags", "timestamps", "<stat>": [...]}]}`.
enum QueryRenderer {
    static func render(_ parameters: QueryParameters, groups: [SeriesKey: [Int64: WindowState]]) -> String {
        let spec = parameters.spec
        var json = JSONText(capacity: 4096)
        json.raw("{\"name\":")
        json.string(spec.name)
        json.raw(",\"step\":")
        json.string(parameters.step.description)
        json.raw(",\"from\":")
        json.integer(Timestamp(nanoseconds: spec.from).milliseconds)
        json.raw(",\"to\":")
        json.integer(Timestamp(nanoseconds: spec.to).milliseconds)
        json.raw(",\"series\":[")
        var keys = groups.keys.sorted()
        if keys.isEmpty && parameters.fill != .none && spec.groupBy.isEmpty {
            keys = [SeriesKey(name: spec.name, tags: spec.tags)]
        }
        for (position, key) in keys.enumerated() {
            if position > 0 { json.raw(",") }
            render(key, buckets: groups[key] ?? [:], parameters: parameters, into: &json)
        }
        json.raw("]}")
        return json.text
    }

    static func render(_ key: SeriesKey, buckets: [Int64: WindowState], parameters: QueryParameters, into json: inout JSONText) {
        let starts: [Int64]
        if parameters.fill == .none {
            starts = buckets.keys.sorted()
        } else {
            let step = parameters.step.nanoseconds
            let first = parameters.spec.from.floorDivided(by: step) * step
            starts = Array(stride(from: first, to: parameters.spec.to, by: Int(step)))
        }
        json.raw("{\"tags\":{")
        for (position, tag) in key.tags.enumerated() {
            if position > 0 { json.raw(",") }
            json.string(tag.key)
            json.raw(":")
            json.string(tag.value)
        }
        json.raw("},\"timestamps\":[")
        for (position, start) in starts.enumerated() {
            if position > 0 { json.raw(",") }
            json.integer(Timestamp(nanoseconds: start).milliseconds)
        }
        json.raw("]")
        for stat in parameters.stats {
            json.raw(",")
            json.string(stat.description)
            json.raw(":[")
            for (position, start) in starts.enumerated() {
                if position > 0 { json.raw(",") }
                if let state = buckets[start] {
                    json.number(state.value(of: stat, windowLength: parameters.step))
                } else {
                    json.raw(parameters.fill == .zero ? "0" : "null")
                }
            }
            json.raw("]")
        }
        json.raw("}")
    }
}
