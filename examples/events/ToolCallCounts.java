// Counts the gateway's tools/call requests per principal and tool from its event stream on Kafka
// (docs/events.md), and prints the table whenever it changes. A single-file program: run it with the
// Kafka client jars that deploy/kafka.sh fetches (they include Jackson):
//
//   deploy/kafka.sh fetch
//   java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "deploy/kafka/target/lib/*" \
//     examples/events/ToolCallCounts.java [bootstrap] [topic]
//
// bootstrap defaults to 127.0.0.1:9092, topic to mcp-gateway-events. It reads the topic from the
// beginning under a fresh consumer group, so every run counts everything the topic still holds.

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

public class ToolCallCounts {

    public static void main(String[] args) {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
        String topic = args.length > 1 ? args[1] : "mcp-gateway-events";
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "tool-call-counts-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        ObjectMapper json = new ObjectMapper();
        // principal -> tool -> [ok, not ok]
        Map<String, Map<String, long[]>> counts = new TreeMap<>();
        long printed = 0;
        long seen = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            while (true) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode e;
                    try {
                        e = json.readTree(r.value());
                    } catch (Exception ex) {
                        continue;
                    }
                    // Version 1 of the schema; a later version may change what these fields mean.
                    if (e.path("version").asInt() != 1 || !"mcp.request".equals(e.path("type").asText())
                            || !"tools/call".equals(e.path("method").asText())) {
                        continue;
                    }
                    String principal = e.path("principal").asText("(anonymous)");
                    String tool = e.path("name").asText("?");
                    long[] c = counts.computeIfAbsent(principal, k -> new TreeMap<>()).computeIfAbsent(tool, k -> new long[2]);
                    c["ok".equals(e.path("outcome").asText()) ? 0 : 1]++;
                    seen++;
                }
                if (seen != printed) {
                    printed = seen;
                    System.out.printf("%n%-30s %-40s %8s %8s%n", "principal", "tool", "ok", "failed");
                    counts.forEach((principal, tools) -> tools.forEach(
                            (tool, c) -> System.out.printf("%-30s %-40s %8d %8d%n", principal, tool, c[0], c[1])));
                }
            }
        }
    }
}
