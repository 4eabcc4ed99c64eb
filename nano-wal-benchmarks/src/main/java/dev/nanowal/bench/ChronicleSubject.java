package dev.nanowal.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Chronicle Queue: one queue (directory) per key. Durable appends use {@link SyncMode#SYNC} and
 * {@code appender.sync()} after every append, as Chronicle documents for durability. Appenders are
 * single-threaded, so each thread gets its own per queue.
 */
final class ChronicleSubject {

    private ChronicleSubject() {
    }

    static ChronicleQueue open(Path dir, boolean durable) {
        SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.single(dir.toFile());
        if (durable) {
            builder.syncMode(SyncMode.SYNC);
        }
        return builder.build();
    }

    static final class Log implements BenchLog {
        private final ChronicleQueue[] queues;
        private final ThreadLocal<ExcerptAppender[]> appenders;
        private final List<ExcerptAppender> all = new ArrayList<>();

        Log(Path dir, int keys, boolean durable) {
            queues = new ChronicleQueue[keys];
            for (int i = 0; i < keys; i++) {
                queues[i] = open(dir.resolve("q" + i), durable);
            }
            appenders = ThreadLocal.withInitial(() -> new ExcerptAppender[keys]);
        }

        private ExcerptAppender appender(int key) {
            ExcerptAppender[] mine = appenders.get();
            ExcerptAppender appender = mine[key];
            if (appender == null) {
                appender = queues[key].createAppender();
                appender.singleThreadedCheckDisabled(true);
                mine[key] = appender;
                synchronized (all) {
                    all.add(appender);
                }
            }
            return appender;
        }

        @Override
        public void append(int key, byte[] payload) {
            ExcerptAppender appender = appender(key);
            try (DocumentContext dc = appender.writingDocument()) {
                dc.wire().bytes().write(payload);
            }
        }

        @Override
        public void appendDurable(int key, byte[] payload) {
            ExcerptAppender appender = appender(key);
            try (DocumentContext dc = appender.writingDocument()) {
                dc.wire().bytes().write(payload);
            }
            appender.sync();
        }

        @Override
        public void sync() {
            ExcerptAppender[] mine = appenders.get();
            for (ExcerptAppender appender : mine) {
                if (appender != null) {
                    appender.sync();
                }
            }
        }

        @Override
        public void close() {
            synchronized (all) {
                for (ExcerptAppender appender : all) {
                    appender.close();
                }
            }
            for (ChronicleQueue queue : queues) {
                queue.close();
            }
        }
    }

    static final class Reader implements ReadSubject {
        private final ChronicleQueue queue;
        private final ExcerptTailer tailer;
        private final long[] indexes;

        Reader(Path dir, int records, byte[] payload) {
            queue = open(dir.resolve("q0"), false);
            indexes = new long[records];
            try (ExcerptAppender appender = queue.createAppender()) {
                for (int i = 0; i < records; i++) {
                    try (DocumentContext dc = appender.writingDocument()) {
                        dc.wire().bytes().write(payload);
                    }
                    indexes[i] = appender.lastIndexAppended();
                }
                appender.sync();
            }
            tailer = queue.createTailer();
        }

        @Override
        public long scanAll() {
            tailer.toStart();
            long bytes = 0;
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return bytes;
                    }
                    Bytes<?> in = dc.wire().bytes();
                    byte[] out = new byte[(int) in.readRemaining()];
                    in.read(out);
                    bytes += out.length;
                }
            }
        }

        @Override
        public byte[] readAt(int i) {
            if (!tailer.moveToIndex(indexes[i])) {
                throw new IllegalStateException("No excerpt at index " + indexes[i]);
            }
            try (DocumentContext dc = tailer.readingDocument()) {
                Bytes<?> in = dc.wire().bytes();
                byte[] out = new byte[(int) in.readRemaining()];
                in.read(out);
                return out;
            }
        }

        @Override
        public void close() {
            tailer.close();
            queue.close();
        }
    }
}
