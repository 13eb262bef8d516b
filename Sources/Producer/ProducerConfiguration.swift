/// What `windrow produce` sends.
public struct ProducerConfiguration: Sendable {
    /// Mapper endpoints: PULL endpoints, or acknowledged (ROUTER) ones with `acknowledged`.
    public var endpoints: [String]
    /// Samples per second in total; `nil` sends as fast as possible.
    public var rate: Int?
    public var durationSeconds: Double
    /// Distinct metric names (`demo.metric.0` ...).
    public var names: Int
    /// Series per name (tag `host=h0` ...).
    public var hostsPerName: Int
    public var batchSize: Int
    public var acknowledged: Bool
    /// Share of samples whose timestamps are moved back by up to `outOfOrderMs`.
    public var outOfOrderShare: Double
    public var outOfOrderMs: Int
    /// Batches awaiting acknowledgement at once (acknowledged mode).
    public var inFlightMax: Int
    public var prefix: String
    /// Token sent with every batch, for mappers that require one.
    public var token: [UInt8]?

    public init(endpoints: [String], rate: Int?, durationSeconds: Double, names: Int, hostsPerName: Int = 4, batchSize: Int = 5000,
                acknowledged: Bool = false, outOfOrderShare: Double = 0, outOfOrderMs: Int = 10_000, inFlightMax: Int = 16, prefix: String = "demo") {
        self.endpoints = endpoints
        self.rate = rate
        self.durationSeconds = durationSeconds
        self.names = names
        self.hostsPerName = hostsPerName
        self.batchSize = batchSize
        self.acknowledged = acknowledged
        self.outOfOrderShare = outOfOrderShare
        self.outOfOrderMs = outOfOrderMs
        self.inFlightMax = inFlightMax
        self.prefix = prefix
    }
}

/// What a run achieved.
public struct ProducerReport: Sendable, CustomStringConvertible {
    public var samplesSent = 0
    public var batchesSent = 0
    public var samplesAcknowledged = 0
    public var samplesRejected = 0
    public var batchesFailed = 0
    /// Why the first failed batch failed.
    public var firstFailure: String?
    public var seconds = 0.0

    public var description: String {
        var text = "sent \(samplesSent) samples in \(batchesSent) batches in \(String(format: "%.2f", seconds)) s: \(Int(Double(samplesSent) / max(seconds, 1e-9))) samples/s"
        if samplesAcknowledged > 0 || batchesFailed > 0 {
            text += "; acknowledged \(samplesAcknowledged), rejected \(samplesRejected), batches failed \(batchesFailed)"
        }
        if let firstFailure { text += " (first failure: \(firstFailure))" }
        return text
    }
}

import Foundation
