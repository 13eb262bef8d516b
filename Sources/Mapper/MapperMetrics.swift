import Model
import Prometheus
import Runtime

/// The mapper's figures in `/metrics`.
struct MapperMetrics {
    let registry: PrometheusCollectorRegistry
    let samplesReceived: Counter
    let samplesAccepted: Counter
    let batchesPush: Counter
    let batchesAcked: Counter
    let partialsSent: Counter
    let partialRowsSent: Counter
    let openWindows: Gauge
    let walBytes: Gauge
    let watermarkLag: Gauge
    let flushSeconds: DurationHistogram
    let pendingPartials: Gauge
    let callsInFlight: Gauge
    let ingestMessagesPerTurn: ValueHistogram
    let retriesAnswered: Counter
    let retryKeys: Gauge
    let quarantinedRecords: Counter
    let stringFieldsSkipped: Counter
    let staleMarkersSkipped: Counter
    let histogramsSkipped: Counter

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        samplesReceived = registry.counter("windrow_samples_received_total", help: "Samples received by this mapper.")
        samplesAccepted = registry.counter("windrow_samples_accepted_total", help: "Samples that passed validation.")
        batchesPush = registry.counter("windrow_batches_received_total", labels: [("path", "push")], help: "Batches received.")
        batchesAcked = registry.counter("windrow_batches_received_total", labels: [("path", "acked")], help: "Batches received.")
        partialsSent = registry.counter("windrow_partials_sent_total", help: "Partial batches sent to reducers (resends included).")
        partialRowsSent = registry.counter("windrow_partial_rows_sent_total", help: "Window rows sent to reducers.")
        openWindows = registry.gauge("windrow_open_windows", help: "Window states held in memory.")
        walBytes = registry.gauge("windrow_wal_bytes", help: "Bytes in the write-ahead log.")
        watermarkLag = registry.gauge("windrow_watermark_lag_seconds", help: "How far this node's watermark trails the clock.")
        flushSeconds = registry.durationHistogram("windrow_flush_duration_seconds",
                                                      buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(20), .milliseconds(100), .milliseconds(500), .seconds(2)], help: "Time to hand aggregated windows to the reducers.")
        pendingPartials = registry.gauge("windrow_partials_pending", help: "Partial batches awaiting a reducer's acknowledgement.")
        callsInFlight = registry.gauge("windrow_zmq_calls_in_flight", help: "Requests sent to other nodes over ZeroMQ and awaiting their answer.")
        retriesAnswered = registry.counter("windrow_retries_answered_total", help: "Keyed batches seen before, answered with their first acknowledgement and not counted again.")
        retryKeys = registry.gauge("windrow_retry_keys", help: "Keyed batches whose acknowledgement is remembered for retries.")
        quarantinedRecords = registry.counter("windrow_quarantined_log_records_total", help: "Write-ahead-log records that failed their checksum or did not decode on replay, set aside.")
        stringFieldsSkipped = registry.counter("windrow_line_string_fields_skipped_total",
                                               help: "Line-protocol string fields read past and not stored (the numeric fields of their lines are).")
        staleMarkersSkipped = registry.counter("windrow_remote_write_stale_markers_skipped_total",
                                               help: "Prometheus staleness markers in remote_write requests, read past (a series ending is not a sample).")
        histogramsSkipped = registry.counter("windrow_remote_write_histograms_skipped_total",
                                             help: "Native histogram samples in remote_write requests, read past and not stored.")
        ingestMessagesPerTurn = registry.valueHistogram("windrow_zmq_messages_per_turn", labels: [("queue", "ingest")],
                                                            buckets: [1, 10, 100, 500, 1000, Double(MapperLoop.drainMessagesMax)],
                                                            help: "Messages taken off a ZeroMQ queue in one loop turn; turns at the top bucket (the per-turn limit) mean the queue holds more.")
    }

    func rejected(_ reason: String, count: Int) {
        registry.counter("windrow_rejected_samples_total", labels: [("reason", reason)], help: "Samples rejected, by reason.").increment(by: Int64(count))
    }

    func rejectedBatch(_ reason: String) {
        registry.counter("windrow_rejected_batches_total", labels: [("reason", reason)], help: "Whole batches rejected, by reason.").increment()
    }
}
