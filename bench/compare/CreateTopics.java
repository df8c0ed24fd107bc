// bench/compare: creates topics through the Admin API (the same client for every broker) and
// waits until every partition has a leader.
//
//   java -cp <classes>:<kafka jars> CreateTopics <bootstrap> <name:partitions>...
//
// Replication factor 1, no topic configs (the broker's defaults). Exits 1 on any failure.
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

public final class CreateTopics {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: CreateTopics <bootstrap> <name:partitions>...");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "60000");
    List<NewTopic> topics = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      int colon = args[i].lastIndexOf(':');
      String name = args[i].substring(0, colon);
      int partitions = Integer.parseInt(args[i].substring(colon + 1));
      topics.add(new NewTopic(name, partitions, (short) 1));
      names.add(name);
    }
    long started = System.nanoTime();
    try (Admin admin = Admin.create(props)) {
      admin.createTopics(topics).all().get();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (true) {
        Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
        boolean ready = true;
        for (NewTopic topic : topics) {
          TopicDescription description = described.get(topic.name());
          if (description == null || description.partitions().size() != topic.numPartitions()) {
            ready = false;
            break;
          }
          for (TopicPartitionInfo partition : description.partitions()) {
            if (partition.leader() == null || partition.leader().isEmpty()) ready = false;
          }
        }
        if (ready) break;
        if (System.nanoTime() > deadline) throw new IllegalStateException("partitions without a leader after 60 s");
        Thread.sleep(100);
      }
    }
    System.out.println("{\"topics\":" + topics.size() + ",\"seconds\":" + (System.nanoTime() - started) / 1e9 + "}");
    System.exit(0);
  }
}
