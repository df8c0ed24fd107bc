// bench/broker: end-to-end latency at a fixed produce rate, against any Kafka-protocol broker.
//
//   java -cp <classes>:<kafka jars> FixedRateLatency <bootstrap> <topic> <rate msg/s> <seconds>
//        <warm-up seconds> <acks> <record size> [compression]
//
// One JVM, two threads: a consumer assigned to every partition of the topic (positioned at the
// end before the first send) and a producer that sends `rate` records per second for `seconds`.
// Each value starts with the record's INTENDED send time (System.nanoTime of its slot in the
// schedule, not of the send call), so a producer that falls behind shows up as latency instead
// of being hidden (no coordinated omission). Latency = consumer receive time - intended send
// time. Records of the first `warm-up seconds` are not counted. Prints one JSON line to stdout.
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class FixedRateLatency {
  public static void main(String[] args) throws Exception {
    if (args.length != 7 && args.length != 8) {
      System.err.println("usage: FixedRateLatency <bootstrap> <topic> <rate> <seconds> <warmup-seconds> <acks> <record-size> [compression]");
      System.exit(2);
    }
    final String bootstrap = args[0];
    final String topic = args[1];
    final int rate = Integer.parseInt(args[2]);
    final double seconds = Double.parseDouble(args[3]);
    final double warmupSeconds = Double.parseDouble(args[4]);
    final String acks = args[5];
    final int recordSize = Math.max(16, Integer.parseInt(args[6]));
    final String compression = args.length > 7 ? args[7] : "none";
    final long total = Math.round(rate * seconds);
    final long warmupRecords = Math.round(rate * warmupSeconds);
    final long intervalNanos = Math.round(1e9 / rate);

    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, acks);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);

    final long[] latencies = new long[(int) Math.max(0, total - warmupRecords)];
    // Per second of the schedule: how many records were received and the worst latency.
    final int slots = (int) Math.ceil(seconds) + 1;
    final long[] slotCount = new long[slots];
    final long[] slotMax = new long[slots];
    final long[] scheduleStart = {0};
    final AtomicLong measured = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();
    final AtomicReference<String> firstError = new AtomicReference<>();
    final CountDownLatch positioned = new CountDownLatch(1);
    final CountDownLatch allReceived = new CountDownLatch(1);
    final long[] sentCount = {0};
    final long[] warmupEndNanos = {Long.MAX_VALUE};
    final AtomicReference<Throwable> consumerFailure = new AtomicReference<>();
    final Object lock = new Object();

    Thread consumerThread = new Thread(() -> {
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        for (TopicPartition tp : partitions) consumer.position(tp, Duration.ofSeconds(30));
        positioned.countDown();
        while (received.get() < total && !Thread.currentThread().isInterrupted()) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            long now = System.nanoTime();
            if (record.value() == null || record.value().length < 16) continue; // the priming record
            long intended = ByteBuffer.wrap(record.value(), 0, 8).getLong();
            long seq = ByteBuffer.wrap(record.value(), 8, 8).getLong();
            received.incrementAndGet();
            int slot = (int) Math.min(slots - 1, Math.max(0, (intended - scheduleStart[0]) / 1_000_000_000L));
            slotCount[slot]++;
            slotMax[slot] = Math.max(slotMax[slot], now - intended);
            if (seq >= warmupRecords) {
              long index = measured.getAndIncrement();
              if (index < latencies.length) latencies[(int) index] = now - intended;
            }
          }
        }
        allReceived.countDown();
      } catch (Throwable t) {
        consumerFailure.set(t);
        positioned.countDown();
        allReceived.countDown();
      }
    }, "consumer");
    consumerThread.setDaemon(true);
    consumerThread.start();
    positioned.await();
    if (consumerFailure.get() != null) throw new RuntimeException("consumer failed", consumerFailure.get());

    Random random = new Random(42);
    long sendStart;
    long sendEnd;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      // One record outside the schedule: connects and fetches metadata before the clock starts.
      producer.send(new ProducerRecord<>(topic, new byte[0])).get();
      sendStart = System.nanoTime();
      scheduleStart[0] = sendStart;
      long next = sendStart;
      for (long i = 0; i < total; i++) {
        long wait = next - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
        byte[] value = new byte[recordSize];
        random.nextBytes(value);
        ByteBuffer.wrap(value).putLong(next).putLong(i);
        producer.send(new ProducerRecord<>(topic, value), (metadata, exception) -> {
          if (exception != null) {
            sendErrors.incrementAndGet();
            firstError.compareAndSet(null, exception.toString());
          }
        });
        next += intervalNanos;
      }
      sendEnd = System.nanoTime();
      producer.flush();
    }
    boolean complete = allReceived.await(30, java.util.concurrent.TimeUnit.SECONDS);
    if (!complete) consumerThread.interrupt();
    else consumerThread.join(10_000);

    int n = (int) Math.min(measured.get(), latencies.length);
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    double sum = 0;
    for (long v : sorted) sum += v;
    StringBuilder json = new StringBuilder("{");
    json.append("\"sent\":").append(total);
    json.append(",\"received\":").append(received.get());
    json.append(",\"measured\":").append(n);
    json.append(",\"sendErrors\":").append(sendErrors.get());
    json.append(",\"complete\":").append(complete);
    json.append(",\"sendSeconds\":").append((sendEnd - sendStart) / 1e9);
    json.append(",\"achievedRate\":").append(total / ((sendEnd - sendStart) / 1e9));
    json.append(",\"meanMs\":").append(n == 0 ? "null" : String.valueOf(sum / n / 1e6));
    json.append(",\"p50Ms\":").append(pct(sorted, 0.50));
    json.append(",\"p99Ms\":").append(pct(sorted, 0.99));
    json.append(",\"p999Ms\":").append(pct(sorted, 0.999));
    json.append(",\"maxMs\":").append(n == 0 ? "null" : String.valueOf(sorted[n - 1] / 1e6));
    String error = firstError.get();
    if (consumerFailure.get() != null) error = "consumer: " + consumerFailure.get();
    json.append(",\"perSecond\":[");
    for (int i = 0; i < slots; i++) {
      if (i > 0) json.append(',');
      json.append("{\"count\":").append(slotCount[i]).append(",\"maxMs\":").append(slotMax[i] / 1e6).append('}');
    }
    json.append(']');
    json.append(",\"firstError\":").append(error == null ? "null" : quote(error));
    json.append("}");
    System.out.println(json);
    System.exit(0);
  }

  private static String pct(long[] sorted, double q) {
    if (sorted.length == 0) return "null";
    int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return String.valueOf(sorted[Math.max(0, index)] / 1e6);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "") + "\"";
  }
}
