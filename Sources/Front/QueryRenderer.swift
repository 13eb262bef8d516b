import ClusterCore
import Model

/// Turns a reducer's answer into the `GET /v1/query` JSON:
/// `{"name", "step", "from", "to", "series": [{"tags", "timestamps", "<stat>": [...]}]}`.
enum QueryRenderer {
    static func render(_ parameters: QueryParameters, answer: QueryAnswer) -> String {
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
        var groups = answer.groups
        if groups.isEmpty && parameters.fill != .none && spec.groupBy.isEmpty {
            groups = [QueryAnswer.Group(key: SeriesKey(name: spec.name, tags: spec.tags), starts: [], columns: spec.stats.map { _ in [] })]
        }
        for (position, group) in groups.enumerated() {
            if position > 0 { json.raw(",") }
            render(group, parameters: parameters, into: &json)
        }
        json.raw("]}")
        return json.text
    }

    static func render(_ group: QueryAnswer.Group, parameters: QueryParameters, into json: inout JSONText) {
        // Positions of the answer's buckets in the listed ones (every bucket with fill).
        let starts: [Int64]
        if parameters.fill == .none {
            starts = group.starts
        } else {
            let step = parameters.step.nanoseconds
            let first = parameters.spec.from.floorDivided(by: step) * step
            starts = Array(stride(from: first, to: parameters.spec.to, by: Int(step)))
        }
        var sourceIndex = [Int?](repeating: nil, count: starts.count)
        var cursor = 0
        for (position, start) in starts.enumerated() {
            while cursor < group.starts.count && group.starts[cursor] < start { cursor += 1 }
            if cursor < group.starts.count && group.starts[cursor] == start { sourceIndex[position] = cursor }
        }
        json.raw("{\"tags\":{")
        for (position, tag) in group.key.tags.enumerated() {
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
        for (statIndex, stat) in parameters.stats.enumerated() {
            json.raw(",")
            json.string(stat.description)
            json.raw(":[")
            for position in starts.indices {
                if position > 0 { json.raw(",") }
                if let source = sourceIndex[position] {
                    json.number(group.columns[statIndex][source])
                } else {
                    json.raw(parameters.fill == .zero ? "0" : "null")
                }
            }
            json.raw("]")
        }
        json.raw("}")
    }
}
