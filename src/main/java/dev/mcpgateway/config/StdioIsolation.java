package dev.mcpgateway.config;

/**
 * Which client sessions may share one process of a stdio backend. A server-to-client message
 * (sampling, elicitation, roots, log messages) from a process goes only to a session that process
 * serves, so sharing a process means sharing what it says.
 */
public enum StdioIsolation {
    /** A process per client session, started on first use, stopped with the session or when idle. */
    SESSION,
    /** A process per authenticated principal (anonymous callers get one per session). */
    PRINCIPAL,
    /**
     * One process per replica for everybody: only what can be attributed without doubt (responses by
     * id, progress by token) reaches a client; server requests are refused toward the process.
     */
    SHARED
}
