package dev.mcpgateway.ratelimit;

/** What counting one request decided, and how it was counted. */
enum Outcome {
    /** Within the limit, counted in the store (shared by the replicas, or this process's own). */
    ALLOWED("allowed", true, "store"),
    /** Over the limit, as the store counts. */
    LIMITED("limited", false, "store"),
    /** The store is unreachable; within this replica's share of the limit. */
    ALLOWED_LOCAL("allowed_local", true, "local"),
    /** The store is unreachable; over this replica's share of the limit. */
    LIMITED_LOCAL("limited_local", false, "local"),
    /** The store is unreachable and the setting lets every request through. */
    ALLOWED_UNCOUNTED("allowed_uncounted", true, "none"),
    /** The store is unreachable and the setting refuses every counted request. */
    LIMITED_UNCOUNTED("limited_uncounted", false, "none");

    /** The decision as the access log and the request facts name it. */
    final String fact;
    final boolean allowed;
    /** Where it was counted: {@code store}, {@code local}, {@code none} (a metric tag). */
    final String counted;

    Outcome(String fact, boolean allowed, String counted) {
        this.fact = fact;
        this.allowed = allowed;
        this.counted = counted;
    }
}
