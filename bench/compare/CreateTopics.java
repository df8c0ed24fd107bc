// bench/compare: creates topics through the Admin API (the same client for every broker) and
// waits until every partition has a leader and every replica is in the ISR.
//
//   java -cp <classes>:<kafka jars> CreateTopics <bootstrap> [--config key=value]... <name:partitions[:replicationFactor]>...
//
// Replication factor 1 unless given; the --config entries (e.g. min.insync.replicas=2) go to
// every topic, anything else is the broker's default. Exits 1 on any failure.
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

public final class CreateTopics {
  private static final int MAX_RECORDS_PER_REQUEST = 10_000;

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: CreateTopics <bootstrap> [--config key=value]... <name:partitions[:replicationFactor]>...");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "60000");
    Map<String, String> configs = new HashMap<>();
    List<NewTopic> topics = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--config")) {
        String entry = args[++i];
        int equals = entry.indexOf('=');
        configs.put(entry.substring(0, equals), entry.substring(equals + 1));
        continue;
      }
      String[] parts = args[i].split(":");
      int partitions = Integer.parseInt(parts[1]);
      short replicationFactor = parts.length > 2 ? Short.parseShort(parts[2]) : 1;
      topics.add(new NewTopic(parts[0], partitions, replicationFactor));
      names.add(parts[0]);
    }
    for (NewTopic topic : topics) topic.configs(configs);
    long started = System.nanoTime();
    try (Admin admin = Admin.create(props)) {
      // 60 s, and 5 ms more per partition: the full matrix makes ~20,000 of them.
      long partitions = topics.stream().mapToLong(NewTopic::numPartitions).sum();
      long deadline = System.nanoTime() + 60_000_000_000L + partitions * 5_000_000L;
      // A node of a multi-node cluster says it started before the others registered: an RF=N
      // topic needs N brokers.
      int brokersNeeded = topics.stream().mapToInt(NewTopic::replicationFactor).max().orElse(1);
      while (admin.describeCluster().nodes().get().size() < brokersNeeded) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("fewer than " + brokersNeeded + " brokers in time");
        Thread.sleep(100);
      }
      // Kafka refuses a CreateTopics request that would write more than 10,000 metadata records
      // (QuorumController.MAX_RECORDS_PER_USER_OP: one per topic, per partition and per config).
      List<NewTopic> batch = new ArrayList<>();
      int records = 0;
      for (NewTopic topic : topics) {
        int topicRecords = 1 + topic.numPartitions() + configs.size();
        if (!batch.isEmpty() && records + topicRecords > MAX_RECORDS_PER_REQUEST) {
          admin.createTopics(batch).all().get();
          batch = new ArrayList<>();
          records = 0;
        }
        batch.add(topic);
        records += topicRecords;
      }
      if (!batch.isEmpty()) admin.createTopics(batch).all().get();
      while (!ready(admin, topics, names)) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("partitions without a leader or a full ISR in time");
        Thread.sleep(100);
      }
    }
    System.out.println("{\"topics\":" + topics.size() + ",\"seconds\":" + (System.nanoTime() - started) / 1e9 + "}");
    System.exit(0);
  }

  /** Every partition of every topic has a leader and all its replicas in the ISR. */
  private static boolean ready(Admin admin, List<NewTopic> topics, List<String> names) throws InterruptedException {
    Map<String, TopicDescription> described;
    try {
      described = admin.describeTopics(names).allTopicNames().get();
    } catch (ExecutionException e) {
      // The broker asked has not applied the creation yet (UNKNOWN_TOPIC_OR_PARTITION).
      if (e.getCause() instanceof UnknownTopicOrPartitionException) return false;
      throw new IllegalStateException(e.getCause());
    }
    for (NewTopic topic : topics) {
      TopicDescription description = described.get(topic.name());
      if (description == null || description.partitions().size() != topic.numPartitions()) return false;
      for (TopicPartitionInfo partition : description.partitions()) {
        if (partition.leader() == null || partition.leader().isEmpty()) return false;
        if (partition.isr().size() < partition.replicas().size()) return false;
      }
    }
    return true;
  }
}
