package dev.mcpgateway.loadtest;

import java.util.Arrays;

/** Dispatcher for the shaded jar: {@code java -jar load-tests.jar <echo-upstream|load|report|resume|cluster-report|bench-report|oauth-server|config-merge> [args]}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "echo-upstream", "echo", "upstream" -> EchoUpstream.main(rest);
            case "load", "load-generator" -> LoadGenerator.main(rest);
            case "report" -> Report.main(rest);
            case "resume" -> ResumeProbe.main(rest);
            case "cluster-report" -> ClusterReport.main(rest);
            case "bench-report" -> BenchReport.main(rest);
            case "oauth-server" -> OAuthServer.main(rest);
            case "config-merge" -> ConfigMerge.main(rest);
            case "free-port" -> {
                try (java.net.ServerSocket s = new java.net.ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(new java.net.InetSocketAddress(rest.length > 0 ? rest[0] : "127.0.0.1", 0));
                    System.out.println(s.getLocalPort());
                }
            }
            default -> {
                usage();
                System.exit(2);
            }
        }
    }

    private static void usage() {
        System.err.println("""
                usage: java -jar load-tests.jar <command> [options]
                  echo-upstream [--port N] [--threads N] [--sse] [--streams]
                                                                 minimal MCP echo server on 127.0.0.1
                  load --url URL [--tool NAME] [--connections C] [--warmup 10s] [--duration 20s]
                       [--label NAME] [--out FILE.json]          closed-loop tools/call benchmark
                  load ... --protocol-version 2026-07-28           the same as a 2026-07-28 client (no session)
                  load ... --api-key 'key-{i}' [--api-key-header X-API-Key]
                                                                 connection i sends its own API key
                  load ... --consent                             follow a URL elicitation (consent) once, then
                                                                 call again, before measuring
                  load --url URL --sessions N [--pid PID] [--get-streams] [--hold-file F] [--out FILE.json]
                                                                 open N MCP sessions (and their GET streams),
                                                                 report RSS and open files of PID
                  report --runs DIR --out FILE.md ...            render the Markdown report
                  resume --url LB_URL --replicas r1=PID,...      kill the replica holding a GET stream, time
                                                                 the resumption through the load balancer
                  cluster-report --raw DIR --out FILE.md ...     render the cluster.sh report
                  bench-report --raw DIR --out FILE.md ...       render the bench.sh report and its SVG charts
                  oauth-server [--port N] [--expires-in S]        an authorization server approving everything
                  config-merge --in F [--top JSON] [--backend JSON]
                                                                 merge-patch an mcp-servers.json (whole file, or
                                                                 every server)
                  free-port [HOST]                               print a currently free TCP port""");
    }
}
