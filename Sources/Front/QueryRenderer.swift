import ClusterCore
import Model

/// Turns the reducers' answers into the `GET /v1/query` JSON: `{"name", "step", "from", "to",
/// "watermark", "open_from", "quantile_relative_error", "series": [{"name", "tags",
/// "timestamps", "<stat>": [...]}]}`, one answer per name the pattern matched.
enum QueryRenderer {
    static func render(_ parameters: QueryParameters, answers: [(name: String, answer: QueryAnswer)], finality: Finality) -> String {
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
        json.raw(",\"watermark\":")
        if let watermark = finality.watermark { json.integer(Timestamp(nanoseconds: watermark).milliseconds) } else { json.raw("null") }
        json.raw(",\"open_from\":")
        json.integer(Timestamp(nanoseconds: finality.openFrom(step: spec.step, from: spec.from)).milliseconds)
        json.raw(",\"quantile_relative_error\":")
        json.number(finality.quantileRelativeError)
        json.raw(",\"series\":[")
        var position = 0
        for (name, answer) in answers {
            var groups = answer.groups
            if groups.isEmpty && parameters.fill != .none && spec.groupBy.isEmpty && !parameters.pattern.isGlob {
                groups = [QueryAnswer.Group(key: SeriesKey(name: name, tags: spec.tags), starts: [], columns: spec.stats.map { _ in [] })]
            }
            for group in groups {
                if position > 0 { json.raw(",") }
                position += 1
                render(group, name: name, parameters: parameters, into: &json)
            }
        }
        json.raw("]}")
        return json.text
    }

    static func render(_ group: QueryAnswer.Group, name: String, parameters: QueryParameters, into json: inout JSONText) {
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
        json.raw("{\"name\":")
        json.string(name)
        json.raw(",\"tags\":{")
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
