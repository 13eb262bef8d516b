/// Checks samples against the data model's rules (DESIGN.md, "Data model").
public struct SampleValidator: Sendable {
    public let limits: ValidationLimits

    public init(limits: ValidationLimits = ValidationLimits()) {
        self.limits = limits
    }

    /// Bytes allowed in metric names and tag keys: `[A-Za-z0-9_.:/-]`.
    static let nameBytes: [Bool] = (0..<256).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."),
             UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// Checks a metric name: 1 to `nameBytesMax` bytes of `[A-Za-z0-9_.:/-]`.
    public func validate(name: String) throws(ValidationError) {
        var utf8Name = name
        let problem: ValidationError? = utf8Name.withUTF8 { utf8 in
            if utf8.isEmpty { return ValidationError(.invalidName, "metric name is empty") }
            if utf8.count > limits.nameBytesMax {
                return ValidationError(.nameTooLong, "metric name is \(utf8.count) bytes; the limit is \(limits.nameBytesMax)")
            }
            if let bad = utf8.firstIndex(where: { !Self.nameBytes[Int($0)] }) {
                return ValidationError(.invalidName, "metric name '\(Self.printable(name))' has a character outside [A-Za-z0-9_.:/-] at byte \(bad)")
            }
            return nil
        }
        if let problem { throw problem }
    }

    /// Checks a value: finite.
    public func validate(value: Double) throws(ValidationError) {
        guard value.isFinite else { throw ValidationError(.nonFiniteValue, "value \(value) is not finite") }
    }

    /// Checks tags: at most `tagsMax`, keys of `[A-Za-z0-9_.:/-]`, values of 1 or more bytes
    /// with no control characters, no key twice.
    public func validate(tags: [Tag]) throws(ValidationError) {
        guard tags.count <= limits.tagsMax else {
            throw ValidationError(.tooManyTags, "\(tags.count) tags; the limit is \(limits.tagsMax)")
        }
        for (index, tag) in tags.enumerated() {
            let key = tag.key.utf8
            guard !key.isEmpty, key.count <= limits.tagKeyBytesMax, key.allSatisfy({ Self.nameBytes[Int($0)] }) else {
                throw ValidationError(.invalidTag, "tag key '\(Self.printable(tag.key))' must be 1 to \(limits.tagKeyBytesMax) bytes of [A-Za-z0-9_.:/-]")
            }
            let value = tag.value.utf8
            guard !value.isEmpty, value.count <= limits.tagValueBytesMax, !value.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
                throw ValidationError(.invalidTag, "value of tag '\(tag.key)' must be 1 to \(limits.tagValueBytesMax) bytes with no control characters")
            }
            if tags[..<index].contains(where: { $0.key == tag.key }) {
                throw ValidationError(.duplicateTag, "tag '\(tag.key)' appears more than once")
            }
        }
    }

    /// Checks a timestamp against `[max(earliest, now - pastNanosecondsMax), now + futureNanosecondsMax]`.
    @inline(__always)
    public func validate(timestamp: Timestamp, now: Timestamp) throws(ValidationError) {
        if timestamp < limits.earliest {
            throw ValidationError(.timestampTooOld, "timestamp \(timestamp) is before the earliest accepted \(limits.earliest)")
        }
        if limits.pastNanosecondsMax > 0, timestamp.nanoseconds < now.nanoseconds &- limits.pastNanosecondsMax {
            throw ValidationError(.timestampTooOld, "timestamp \(timestamp) is more than \(limits.pastNanosecondsMax / 1_000_000_000) s before the current time \(now)")
        }
        if timestamp.nanoseconds > now.nanoseconds &+ limits.futureNanosecondsMax {
            throw ValidationError(.timestampInFuture, "timestamp \(timestamp) is more than \(limits.futureNanosecondsMax / 1_000_000_000) s after the current time \(now)")
        }
    }

    /// Checks every rule for one sample. A sample without a timestamp passes the time check.
    public func validate(_ sample: Sample, now: Timestamp) throws(ValidationError) {
        try validate(name: sample.name)
        try validate(value: sample.value)
        try validate(tags: sample.tags)
        if let timestamp = sample.timestamp { try validate(timestamp: timestamp, now: now) }
    }

    /// The text with control characters replaced and cut to 64 characters, for messages.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
        return cleaned.count > 64 ? String(cleaned.prefix(64)) + "..." : cleaned
    }
}
