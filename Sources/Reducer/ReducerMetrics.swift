import Prometheus
import Runtime

/// The reducer's figures in `/metrics`.
struct ReducerMetrics {
    let registry: PrometheusCollectorRegistry
    let partialsMerged: Counter
    let partialsDuplicate: Counter
    let partialRowsMerged: Counter
    let openWindows: Gauge
    let seriesInMemory: Gauge
    let walBytes: Gauge
    let shardBytesWritten: Counter
    let shardFiles: Gauge
    let sealSeconds: DurationHistogram
    let querySeconds: DurationHistogram
    let watermarkLag: Gauge
    let corruptShards: Counter
    let corruptSnapshots: Counter
    let quarantinedRecords: Counter
    let logFailures: Counter
    let sealFailures: Counter
    let partialsPerTurn: ValueHistogram
    let queriesPerTurn: ValueHistogram
    let resultCacheHits: Counter
    let openShardFiles: Gauge
    let shardFileOpens: Counter
    let resultCacheMisses: Counter

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        partialsMerged = registry.counter("windrow_partials_merged_total", help: "Partial batches merged.")
        partialsDuplicate = registry.counter("windrow_partials_duplicate_total", help: "Partial batches already applied (ignored).")
        partialRowsMerged = registry.counter("windrow_partial_rows_merged_total", help: "Window rows merged.")
        openWindows = registry.gauge("windrow_open_windows", help: "Window states held in memory.")
        seriesInMemory = registry.gauge("windrow_reducer_series_in_memory", help: "Series held in memory (with open windows, or seen since the last seal); the others are forgotten.")
        walBytes = registry.gauge("windrow_wal_bytes", help: "Bytes in the write-ahead log.")
        shardBytesWritten = registry.counter("windrow_shard_bytes_written_total", help: "Bytes of shard files written.")
        shardFiles = registry.gauge("windrow_shard_files", help: "Shard files in use.")
        sealSeconds = registry.durationHistogram("windrow_seal_duration_seconds",
                                                     buckets: [.milliseconds(5), .milliseconds(20), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)], help: "Time of a whole seal, from taking the closed windows to their files answering queries (written off the loop).")
        querySeconds = registry.durationHistogram("windrow_reducer_query_duration_seconds",
                                                      buckets: [.microseconds(200), .milliseconds(1), .milliseconds(5), .milliseconds(20), .milliseconds(100), .seconds(1)], help: "Time for a reducer to answer one query.")
        watermarkLag = registry.gauge("windrow_watermark_lag_seconds", help: "How far the cluster watermark trails the clock.")
        corruptShards = registry.counter("windrow_corrupt_shard_files_total", help: "Shard files found corrupt at start and set aside.")
        corruptSnapshots = registry.counter("windrow_corrupt_snapshots_total", help: "Snapshots of open windows found corrupt at start and set aside in quarantine/.")
        quarantinedRecords = registry.counter("windrow_quarantined_log_records_total", help: "Write-ahead-log records that failed their checksum or did not decode on replay, set aside.")
        logFailures = registry.counter("windrow_log_write_failures_total", help: "Log syncs that failed (a full disk, say); the partials were refused and are resent.")
        sealFailures = registry.counter("windrow_seal_failures_total", help: "Seals that failed (a full disk, say) and were retried later.")
        openShardFiles = registry.gauge("windrow_open_shard_files", help: "Shard files held open for reading (at most --open-files-max).")
        shardFileOpens = registry.counter("windrow_shard_file_opens_total", help: "Shard files opened for reading (again after being closed for others, too).")
        let cacheHelp = "Shard files a query covered whole, answered from their cached buckets (hit) or computed and cached (miss)."
        resultCacheHits = registry.counter("windrow_query_file_results_total", labels: [("result", "hit")], help: cacheHelp)
        resultCacheMisses = registry.counter("windrow_query_file_results_total", labels: [("result", "miss")], help: cacheHelp)
        let help = "Messages taken off a ZeroMQ queue in one loop turn; turns at the top bucket (the per-turn limit) mean the queue holds more."
        partialsPerTurn = registry.valueHistogram("windrow_zmq_messages_per_turn", labels: [("queue", "partials")],
                                                      buckets: [1, 10, 100, 500, Double(ReducerLoop.drainMessagesMax)], help: help)
        queriesPerTurn = registry.valueHistogram("windrow_zmq_messages_per_turn", labels: [("queue", "queries")],
                                                     buckets: [1, 10, 100, 500, Double(ReducerLoop.drainMessagesMax)], help: help)
    }
}

extension ReducerMetrics {
    /// Rows set aside in quarantine/ by where they were found (`partial`, `shard`).
    func quarantinedRows(_ source: String) -> Counter {
        registry.counter("windrow_quarantined_rows_total", labels: [("source", source)],
                         help: "Window rows that could not be applied, set aside in quarantine/ and counted.")
    }
}
