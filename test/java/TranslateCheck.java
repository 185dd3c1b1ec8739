import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;

/**
 * kdr's reference: MirrorMaker 2's own RemoteClusterUtils.translateOffsets, printed as one JSON line per group.
 * Usage: TranslateCheck bootstrap alias policyClass|- separator|- group...
 * Compiled from source by the tests (never committed as a binary).
 */
public class TranslateCheck {
    public static void main(String[] args) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", args[0]);
        String alias = args[1];
        if (!args[2].equals("-")) props.put("replication.policy.class", args[2]);
        if (!args[3].equals("-")) props.put("replication.policy.separator", args[3]);
        for (int i = 4; i < args.length; i++) {
            long t0 = System.nanoTime();
            Map<TopicPartition, OffsetAndMetadata> offsets =
                RemoteClusterUtils.translateOffsets(props, alias, args[i], Duration.ofSeconds(30));
            double ms = (System.nanoTime() - t0) / 1e6;
            List<String> parts = new ArrayList<>();
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                parts.add("[" + quote(e.getKey().topic()) + "," + e.getKey().partition() + "," + e.getValue().offset() + "]");
            }
            System.out.println("{\"group\":" + quote(args[i]) + ",\"ms\":" + ms + ",\"offsets\":[" + String.join(",", parts) + "]}");
        }
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
