"""bench/broker: librdkafka (confluent-kafka-python) producer and consumer throughput.

  python3 rdkafka_perf.py produce <bootstrap> <topic> <records> <warmup records> <acks> <record size> [compression]
  python3 rdkafka_perf.py consume <bootstrap> <topic> <records> <idle timeout s>

produce: a tight produce() loop (linger.ms=5, compression.type as given (default none), other
batching settings librdkafka's defaults; a full local queue is waited out with poll()), then
flush(). The steady-state rate is timed from the moment the warm-up records are all delivered to
the last delivery.
consume: assigns every partition of the topic from the beginning (no group rebalance) and
consumes in batches until `records` arrived or nothing came for `idle timeout` seconds.
Each prints one JSON line to stdout.
"""

import json
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition, libversion


def produce(bootstrap, topic, records, warmup, acks, size, compression="none"):
    errors = []
    state = {"delivered": 0, "failed": 0, "warm_at": None}

    def on_delivery(err, _msg):
        if err is not None:
            state["failed"] += 1
            if len(errors) < 5:
                errors.append(str(err))
            return
        state["delivered"] += 1
        if state["warm_at"] is None and state["delivered"] >= warmup:
            state["warm_at"] = time.perf_counter()

    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": acks,
            "linger.ms": 5,
            "compression.type": compression,
            "client.id": "strom-bench-rdkafka",
            "error_cb": lambda err: errors.append("error_cb: " + str(err)) if len(errors) < 5 else None,
        }
    )
    payload = os.urandom(size)
    start = time.perf_counter()
    for _ in range(records):
        while True:
            try:
                producer.produce(topic, payload, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    remaining = producer.flush(120)
    end = time.perf_counter()
    warm_at = state["warm_at"] if state["warm_at"] is not None else start
    steady_records = max(0, state["delivered"] - warmup) if state["warm_at"] is not None else state["delivered"]
    steady_seconds = end - warm_at
    print(
        json.dumps(
            {
                "librdkafka": libversion()[0],
                "records": records,
                "delivered": state["delivered"],
                "failed": state["failed"],
                "undelivered": remaining,
                "seconds": end - start,
                "steadyRecords": steady_records,
                "steadySeconds": steady_seconds,
                "recordsPerSec": steady_records / steady_seconds if steady_seconds > 0 else None,
                "mbPerSec": steady_records * size / 2**20 / steady_seconds if steady_seconds > 0 else None,
                "errors": errors,
            }
        )
    )


def consume(bootstrap, topic, records, idle_timeout):
    errors = []
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "strom-bench-rdkafka",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "client.id": "strom-bench-rdkafka",
            "error_cb": lambda err: errors.append("error_cb: " + str(err)) if len(errors) < 5 else None,
        }
    )
    metadata = consumer.list_topics(topic, timeout=30)
    partitions = sorted(metadata.topics[topic].partitions.keys())
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    count = 0
    size = 0
    start = time.perf_counter()
    first = None
    last_data = start
    while count < records:
        batch = consumer.consume(num_messages=10000, timeout=0.5)
        now = time.perf_counter()
        got = 0
        for msg in batch:
            if msg.error() is not None:
                if len(errors) < 5:
                    errors.append(str(msg.error()))
                continue
            got += 1
            size += len(msg.value() or b"")
        if got:
            if first is None:
                first = now
            count += got
            last_data = now
        elif now - last_data > idle_timeout:
            errors.append("idle for %ss after %d records" % (idle_timeout, count))
            break
    end = time.perf_counter()
    consumer.close()
    seconds = end - start
    print(
        json.dumps(
            {
                "librdkafka": libversion()[0],
                "records": count,
                "bytes": size,
                "seconds": seconds,
                "recordsPerSec": count / seconds if seconds > 0 else None,
                "mbPerSec": size / 2**20 / seconds if seconds > 0 else None,
                "errors": errors,
            }
        )
    )


def main(argv):
    mode = argv[1]
    if mode == "produce":
        produce(argv[2], argv[3], int(argv[4]), int(argv[5]), argv[6], int(argv[7]), argv[8] if len(argv) > 8 else "none")
    elif mode == "consume":
        consume(argv[2], argv[3], int(argv[4]), float(argv[5]))
    else:
        raise SystemExit("usage: rdkafka_perf.py produce|consume ...")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except KafkaException as error:
        print(json.dumps({"fatal": str(error)}))
        sys.exit(1)
