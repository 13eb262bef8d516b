import ClusterCore
import Testing

@Suite struct FinalityTests {
    static let minute: Int64 = 60_000_000_000
    static let hour = 60 * minute

    /// A bucket is open until the watermark passes its end by the allowed lateness: checked
    /// against that definition bucket by bucket, for steps of a minute and an hour.
    @Test func openBucketsFollowTheWatermarkLessTheLateness() {
        let lateness: Int64 = 30_000_000_000
        for watermark in stride(from: 10 * Self.hour, to: 10 * Self.hour + 3 * Self.minute, by: 7_000_000_000) {
            let finality = Finality(watermark: watermark, latenessNanoseconds: lateness, quantileRelativeError: 0.01)
            for step in [Self.minute, Self.hour] {
                let openFrom = finality.openFrom(step: step, from: 0)
                #expect(openFrom % step == 0)
                for start in stride(from: 9 * Self.hour, to: 11 * Self.hour, by: Int(step)) {
                    let sealed = start + step <= watermark - lateness
                    #expect(finality.isOpen(bucket: start, step: step) == !sealed, "bucket \(start), watermark \(watermark)")
                    #expect((start >= openFrom) == !sealed)
                }
            }
        }
    }

    @Test func beforeAnyWatermarkEverythingIsOpen() {
        let finality = Finality(watermark: nil, latenessNanoseconds: 0, quantileRelativeError: 0.01)
        #expect(finality.openFrom(step: Self.minute, from: 5 * Self.minute + 7) == 5 * Self.minute)
        #expect(finality.isOpen(bucket: 0, step: Self.minute))
    }
}
