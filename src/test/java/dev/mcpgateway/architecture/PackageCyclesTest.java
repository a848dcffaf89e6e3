package dev.mcpgateway.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The README's promise about the layout: no import cycle between the gateway's packages (a package
 * that needs one below it to call back defines an interface, as {@code security.UserTokens} does
 * for {@code grants}).
 */
class PackageCyclesTest {

    private static final Path ROOT = Path.of("src/main/java/dev/mcpgateway");
    private static final Pattern REFERENCE = Pattern.compile("dev\\.mcpgateway\\.([a-z]+(?:\\.[a-z]+)*)\\.[A-Z]");

    @Test
    void noPackageReachesItselfThroughItsImports() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                String pkg = ROOT.relativize(f.getParent()).toString().replace('/', '.');
                Matcher m = REFERENCE.matcher(read(f));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        uses.computeIfAbsent(pkg, k -> new TreeSet<>()).add(m.group(1));
                    }
                }
            });
        }
        assertThat(uses).as("packages found").containsKeys("federation", "security", "transport");
        List<String> cycles = new ArrayList<>();
        for (String pkg : uses.keySet()) {
            List<String> path = pathBack(uses, pkg);
            if (path != null) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertThat(cycles).as("import cycles between packages").isEmpty();
    }

    /** A path of uses from {@code start} back to itself, or null. */
    private static List<String> pathBack(Map<String, Set<String>> uses, String start) {
        Map<String, String> cameFrom = new TreeMap<>();
        Deque<String> todo = new ArrayDeque<>(uses.getOrDefault(start, Set.of()));
        todo.forEach(p -> cameFrom.put(p, start));
        while (!todo.isEmpty()) {
            String p = todo.poll();
            if (p.equals(start)) {
                List<String> path = new ArrayList<>(List.of(start));
                for (String q = cameFrom.get(start); !q.equals(start); q = cameFrom.get(q)) {
                    path.add(1, q);
                }
                path.add(start);
                return path;
            }
            for (String next : uses.getOrDefault(p, Set.of())) {
                if (!cameFrom.containsKey(next)) {
                    cameFrom.put(next, p);
                    todo.add(next);
                }
            }
        }
        return null;
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
