// bench/compare: N producers and M consumers of one consumer group, as threads of one JVM (20
// JVMs would spend the first half minute of a 2-core machine compiling themselves).
//
//   java -cp <classes>:<kafka jars> GroupLoad <bootstrap> <topic> <group> <producers> <consumers>
//        <seconds> <warm-up seconds> <acks> <record size> <compression>
//
// The consumers subscribe first (auto.offset.reset=earliest, auto commit on: Kafka's defaults);
// once the group has assigned every partition, each producer thread sends as fast as its
// KafkaProducer accepts (one producer per thread, async sends) for `seconds`. Rates are counted
// between the warm-up mark and the end of the schedule: acknowledged records for the producers,
// received records for the consumers. Then the producers stop and the consumers drain (up to 30
// s). Prints one JSON line to stdout.
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class GroupLoad {
  public static void main(String[] args) throws Exception {
    if (args.length != 10) {
      System.err.println(
          "usage: GroupLoad <bootstrap> <topic> <group> <producers> <consumers> <seconds> <warmup-seconds> <acks> <record-size> <compression>");
      System.exit(2);
    }
    final String bootstrap = args[0];
    final String topic = args[1];
    final String group = args[2];
    final int producers = Integer.parseInt(args[3]);
    final int consumers = Integer.parseInt(args[4]);
    final double seconds = Double.parseDouble(args[5]);
    final double warmupSeconds = Double.parseDouble(args[6]);
    final String acks = args[7];
    final int recordSize = Integer.parseInt(args[8]);
    final String compression = args[9];

    final AtomicLong acked = new AtomicLong();
    final AtomicLong consumed = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();
    final AtomicReference<String> firstError = new AtomicReference<>();
    final AtomicBoolean producing = new AtomicBoolean(true);
    final AtomicBoolean consuming = new AtomicBoolean(true);
    final ConcurrentHashMap<TopicPartition, Boolean> assigned = new ConcurrentHashMap<>();
    // The clients' own view of the broker (the same on both sides): summed over the threads, averaged at the end.
    final ConcurrentHashMap<String, Double> clientMetrics = new ConcurrentHashMap<>();

    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<Thread> consumerThreads = new ArrayList<>();
    for (int i = 0; i < consumers; i++) {
      Thread thread = new Thread(() -> {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
          consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
              for (TopicPartition tp : partitions) assigned.remove(tp);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              for (TopicPartition tp : partitions) assigned.put(tp, true);
            }
          });
          while (consuming.get()) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
            if (!records.isEmpty()) consumed.addAndGet(records.count());
          }
          addMetrics(clientMetrics, "consumer", consumer.metrics(), "consumer-fetch-manager-metrics",
              List.of("fetch-rate", "fetch-size-avg", "fetch-latency-avg", "records-per-request-avg"));
        } catch (Throwable t) {
          firstError.compareAndSet(null, "consumer: " + t);
        }
      }, "consumer-" + i);
      thread.setDaemon(true);
      thread.start();
      consumerThreads.add(thread);
    }

    int partitionCount;
    try (KafkaConsumer<byte[], byte[]> probe = new KafkaConsumer<>(withoutGroup(c))) {
      partitionCount = probe.partitionsFor(topic, Duration.ofSeconds(30)).size();
    }
    long joinStart = System.nanoTime();
    long joinDeadline = joinStart + 90_000_000_000L;
    while (assigned.size() < partitionCount && System.nanoTime() < joinDeadline) Thread.sleep(20);
    double joinSeconds = (System.nanoTime() - joinStart) / 1e9;
    int assignedPartitions = assigned.size();

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, acks);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    List<Thread> producerThreads = new ArrayList<>();
    for (int i = 0; i < producers; i++) {
      final int index = i;
      Thread thread = new Thread(() -> {
        // Random upper-case letters, as ProducerPerformance's payload.
        Random random = new Random(index);
        byte[] value = new byte[recordSize];
        for (int b = 0; b < recordSize; b++) value[b] = (byte) ('A' + random.nextInt(26));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
          while (producing.get()) {
            producer.send(new ProducerRecord<>(topic, value), (metadata, exception) -> {
              if (exception != null) {
                sendErrors.incrementAndGet();
                firstError.compareAndSet(null, exception.toString());
              } else {
                acked.incrementAndGet();
              }
            });
          }
          producer.flush();
          addMetrics(clientMetrics, "producer", producer.metrics(), "producer-metrics",
              List.of("request-rate", "batch-size-avg", "records-per-request-avg", "request-latency-avg"));
        } catch (Throwable t) {
          firstError.compareAndSet(null, "producer: " + t);
        }
      }, "producer-" + i);
      producerThreads.add(thread);
    }
    long start = System.nanoTime();
    for (Thread thread : producerThreads) thread.start();
    sleepUntil(start + (long) (warmupSeconds * 1e9));
    long markAcked = acked.get();
    long markConsumed = consumed.get();
    long markAt = System.nanoTime();
    sleepUntil(start + (long) (seconds * 1e9));
    long endAcked = acked.get();
    long endConsumed = consumed.get();
    double window = (System.nanoTime() - markAt) / 1e9;
    producing.set(false);
    for (Thread thread : producerThreads) thread.join(60_000);
    long drainDeadline = System.nanoTime() + 30_000_000_000L;
    while (consumed.get() < acked.get() && System.nanoTime() < drainDeadline) Thread.sleep(50);
    boolean drained = consumed.get() >= acked.get();
    consuming.set(false);
    for (Thread thread : consumerThreads) thread.join(15_000);

    double producedRate = (endAcked - markAcked) / window;
    double consumedRate = (endConsumed - markConsumed) / window;
    String error = firstError.get();
    StringBuilder json = new StringBuilder("{");
    json.append("\"joinSeconds\":").append(joinSeconds);
    json.append(",\"assignedPartitions\":").append(assignedPartitions);
    json.append(",\"partitions\":").append(partitionCount);
    json.append(",\"windowSeconds\":").append(window);
    json.append(",\"producedRecordsPerSec\":").append(producedRate);
    json.append(",\"producedMbPerSec\":").append(producedRate * recordSize / 1048576.0);
    json.append(",\"consumedRecordsPerSec\":").append(consumedRate);
    json.append(",\"consumedMbPerSec\":").append(consumedRate * recordSize / 1048576.0);
    json.append(",\"acked\":").append(acked.get());
    json.append(",\"consumed\":").append(consumed.get());
    json.append(",\"sendErrors\":").append(sendErrors.get());
    json.append(",\"endLag\":").append(Math.max(0, acked.get() - consumed.get()));
    json.append(",\"drained\":").append(drained);
    for (Map.Entry<String, Double> metric : new java.util.TreeMap<>(clientMetrics).entrySet()) {
      int threads = metric.getKey().startsWith("consumer") ? consumers : producers;
      json.append(",\"").append(metric.getKey()).append("\":").append(metric.getValue() / threads);
    }
    json.append(",\"firstError\":").append(error == null ? "null" : quote(error));
    json.append("}");
    System.out.println(json);
    System.exit(0);
  }

  /** Adds each named metric of `group` (NaN skipped) to `into` under `<prefix>.<name>`. */
  private static void addMetrics(ConcurrentHashMap<String, Double> into, String prefix, Map<MetricName, ? extends Metric> metrics,
      String group, List<String> names) {
    for (Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
      MetricName name = entry.getKey();
      if (!name.group().equals(group) || !names.contains(name.name()) || !name.tags().keySet().stream().allMatch("client-id"::equals)) continue;
      Object value = entry.getValue().metricValue();
      if (value instanceof Double number && !number.isNaN()) into.merge(prefix + "." + name.name(), number, Double::sum);
    }
  }

  private static Properties withoutGroup(Properties c) {
    Properties copy = new Properties();
    copy.putAll(c);
    copy.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return copy;
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long wait;
    while ((wait = nanos - System.nanoTime()) > 0) Thread.sleep(Math.max(1, wait / 1_000_000));
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "") + "\"";
  }
}
