import Model
import Prometheus
import Runtime

/// The reducer's figures in `/metrics`.
struct ReducerMetrics {
    let registry: PrometheusCollectorRegistry
    let partialsMerged: Counter
    let partialsDuplicate: Counter
    let partialsMoved: Counter
    let handoverFilesImported: Counter
    let handoverBytesImported: Counter
    let partitionsReleased: Counter
    let partialRowsMerged: Counter
    let openWindows: Gauge
    let seriesInMemory: Gauge
    let samplesPerSecond: Gauge
    let hottestPartitionSamplesPerSecond: Gauge
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
    let shardBytes: Gauge
    let compactionBacklog: Gauge
    let compactions: Counter
    let compactionFailures: Counter
    let compactionSeconds: DurationHistogram
    let compactionBytesRead: Counter
    let compactionBytesWritten: Counter
    let retentionFilesDropped: Counter
    let manifestVersion: Gauge

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        partialsMerged = registry.counter("windrow_partials_merged_total", help: "Partial batches merged.")
        partialsDuplicate = registry.counter("windrow_partials_duplicate_total", help: "Partial batches already applied (ignored).")
        partialsMoved = registry.counter("windrow_partials_moved_total", help: "Partial batches refused: a series of a partition not taken here (moved by a handover).")
        handoverFilesImported = registry.counter("windrow_handover_files_imported_total", help: "Shard files received from other reducers by handovers.")
        handoverBytesImported = registry.counter("windrow_handover_bytes_imported_total", help: "Bytes of shard files received by handovers.")
        partitionsReleased = registry.counter("windrow_partitions_released_total", help: "Partitions dropped here after a handover gave them to another reducer.")
        partialRowsMerged = registry.counter("windrow_partial_rows_merged_total", help: "Window rows merged.")
        openWindows = registry.gauge("windrow_open_windows", help: "Window states held in memory.")
        samplesPerSecond = registry.gauge("windrow_reducer_samples_per_second",
                                          help: "Samples merged per second over the partitions this reducer owns, smoothed (half-life 30 s).")
        hottestPartitionSamplesPerSecond = registry.gauge("windrow_reducer_hottest_partition_samples_per_second",
                                                          help: "Samples merged per second into this reducer's busiest partition, smoothed (half-life 30 s).")
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
        shardBytes = registry.gauge("windrow_shard_bytes", help: "Bytes of the shard files in use.")
        compactionBacklog = registry.gauge("windrow_compaction_backlog", help: "Compactions due (partition days with files to merge or roll up).")
        compactions = registry.counter("windrow_compactions_total", help: "Compactions committed.")
        compactionFailures = registry.counter("windrow_compaction_failures_total", help: "Compactions that failed (and were retried later).")
        compactionSeconds = registry.durationHistogram("windrow_compaction_duration_seconds",
                                                       buckets: [.milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10), .seconds(60)],
                                                       help: "Time of one compaction, from its start to its files answering queries (written off the loop, paced).")
        compactionBytesRead = registry.counter("windrow_compaction_bytes_read_total", help: "Bytes of shard files read by compactions.")
        compactionBytesWritten = registry.counter("windrow_compaction_bytes_written_total", help: "Bytes of shard files written by compactions (rollups included).")
        retentionFilesDropped = registry.counter("windrow_retention_files_dropped_total", help: "Shard files dropped because their day aged out (--retention).")
        manifestVersion = registry.gauge("windrow_manifest_version", help: "Edits applied to the manifest since the data directory was made.")
        let help = "Messages taken off a ZeroMQ queue in one loop turn; turns at the top bucket (the per-turn limit) mean the queue holds more."
        partialsPerTurn = registry.valueHistogram("windrow_zmq_messages_per_turn", labels: [("queue", "partials")],
                                                      buckets: [1, 10, 100, 500, Double(ReducerLoop.drainMessagesMax)], help: help)
        queriesPerTurn = registry.valueHistogram("windrow_zmq_messages_per_turn", labels: [("queue", "queries")],
                                                     buckets: [1, 10, 100, 500, Double(ReducerLoop.drainMessagesMax)], help: help)
    }
}

extension ReducerMetrics {
    /// Shard files in use at a compaction level (0: written by a seal).
    func filesAtLevel(_ level: UInt8) -> Gauge {
        registry.gauge("windrow_shard_files_by_level", labels: [("level", String(level))], help: "Shard files in use by compaction level (0: as sealed).")
    }

    /// Shard files in use holding rows of one resolution.
    func filesAtResolution(_ resolution: Int64) -> Gauge {
        registry.gauge("windrow_shard_files_by_resolution", labels: [("resolution", Step(nanoseconds: resolution)!.description)],
                       help: "Shard files in use by the resolution of their rows (the base window, 1h, 1d).")
    }

    /// Bytes of shard files deleted, by why (`compaction`: merged into others; `retention`: aged out).
    func bytesReclaimed(_ reason: String) -> Counter {
        registry.counter("windrow_shard_bytes_reclaimed_total", labels: [("reason", reason)], help: "Bytes of shard files deleted, by reason.")
    }

    /// Rows set aside in quarantine/ by where they were found (`partial`, `shard`).
    func quarantinedRows(_ source: String) -> Counter {
        registry.counter("windrow_quarantined_rows_total", labels: [("source", source)],
                         help: "Window rows that could not be applied, set aside in quarantine/ and counted.")
    }
}
