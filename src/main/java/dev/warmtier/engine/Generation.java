package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * One generation of a store's data: a slot file and a content log that belong together. A store
 * has one current generation; compaction writes the next one beside it and makes it current with
 * one rename of the {@link #CURRENT_FILE} file. Generation 0 keeps its files in the store
 * directory itself, so a store that was never compacted has no generation files at all; generation
 * {@code n > 0} lives in {@code gen-n/}. The lock, the version ceiling and the clean-shutdown mark
 * belong to the store and stay in its directory.
 *
 * <pre>
 * CURRENT (16 bytes, little-endian)
 *   0              4                              12             16
 *   +--------------+------------------------------+--------------+
 *   | magic "WTGN" | generation number (long)     | crc32c [0,12)|
 *   +--------------+------------------------------+--------------+
 * </pre>
 *
 * <p>No {@code CURRENT} file means generation 0. Open deletes every generation but the current
 * one: a half-made next generation (a crash before the switch) and a superseded one (a crash during
 * the cleanup after it).
 *
 * <p>Threads: the files are shared as {@link SlotFile} and {@link ContentLog} say; the static steps
 * run on the thread opening the store or switching its generation.
 */
final class Generation {

    static final String CURRENT_FILE = "CURRENT";
    static final int CURRENT_BYTES = 16;
    private static final int MAGIC = 0x4E47_5457; // "WTGN" little-endian
    private static final Pattern DIR_NAME = Pattern.compile("gen-([1-9][0-9]{0,17})");

    final long number;
    final Path dir;
    final SlotFile slots;
    final ContentLog content;
    /** The slot file did not exist before this open: nothing to recover. */
    final boolean created;

    private Generation(long number, Path dir, SlotFile slots, ContentLog content, boolean created) {
        this.number = number;
        this.dir = dir;
        this.slots = slots;
        this.content = content;
        this.created = created;
    }

    /** The directory holding generation {@code number}'s files. */
    static Path dirOf(Path storeDir, long number) {
        return number == 0 ? storeDir : storeDir.resolve("gen-" + number);
    }

    /**
     * Opens (creating if needed) generation {@code number}'s files, with {@code options}' chunk
     * series for files it creates.
     *
     * @throws StoreFormatException as {@link SlotFile#open} and {@link ContentLog#open}
     */
    static Generation open(Path storeDir, long number, StoreOptions options, FileExtender extender, FileIo io,
                           long now) {
        Path dir = dirOf(storeDir, number);
        try {
            StoreDirectory.create(dir, options.forcer());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create generation directory " + dir, e);
        }
        boolean created = !Files.exists(dir.resolve(SlotFile.FILE_NAME));
        Path logPath = dir.resolve(ContentLog.FILE_NAME);
        SlotFile slots = SlotFile.open(dir, options, extender, io, now, () -> recordsIn(logPath));
        try {
            ContentLog content = ContentLog.open(dir, options, extender, io, now, () -> committedSlotsIn(slots));
            return new Generation(number, dir, slots, content, created);
        } catch (RuntimeException e) {
            try {
                slots.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** What in a content log depends on a slot file that would be made new: any record. */
    private static Optional<String> recordsIn(Path logPath) {
        try {
            if (Files.exists(logPath) && Files.size(logPath) > ContentRecordLayout.HEADER_BYTES
                    && !HeaderedFile.isZero(logPath, ContentRecordLayout.HEADER_BYTES, Files.size(logPath))) {
                return Optional.of(logPath + " holds records that only its slots can reference");
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + logPath, e);
        }
    }

    /** What in a slot file depends on a content log that would be made new: committed slots. */
    private static Optional<String> committedSlotsIn(SlotFile slots) {
        long committed = 0;
        for (long slot = 0; slot < slots.capacity(); slot++) {
            if (SlotLayout.stateVolatile(slots.chunkOf(slot), slots.baseOf(slot)) == SlotLayout.STATE_COMMITTED) {
                committed++;
            }
        }
        return committed == 0 ? Optional.empty()
                : Optional.of(committed + " committed slots of " + slots.path() + " reference its records");
    }

    /**
     * The generation number followed by the size and modification time (ns) of both data files, as
     * the clean-shutdown mark records them: a mark written for another generation never matches.
     */
    long[] stamps() throws IOException {
        long[] files = CleanShutdown.stamps(dir.resolve(SlotFile.FILE_NAME), dir.resolve(ContentLog.FILE_NAME));
        long[] stamps = new long[files.length + 1];
        stamps[0] = number;
        System.arraycopy(files, 0, stamps, 1, files.length);
        return stamps;
    }

    /** Bytes the two data files take now. */
    long fileBytes() {
        try {
            return Files.size(dir.resolve(SlotFile.FILE_NAME)) + Files.size(dir.resolve(ContentLog.FILE_NAME));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of the files in " + dir, e);
        }
    }

    /** Forces every write to both files that no force covered yet. */
    void forceDirty() {
        content.forceDirty();
        slots.forceDirty();
    }

    /** Forces every chunk of both files, dirty or not. */
    void forceAll() {
        content.forceAll();
        slots.forceAll();
    }

    /** Forces and closes both files; a failure of either is thrown after both were tried. */
    void close() {
        RuntimeException failure = null;
        try {
            content.close();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            slots.close();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Unmaps and closes both files without forcing them: the generation is deleted next. Only when
     * no operation can touch its chunks any more.
     */
    void discard() {
        try {
            content.discard();
        } finally {
            slots.discard();
        }
    }

    /** Closes both files after a failure; their failures join {@code failure}. */
    void closeAfterFailure(RuntimeException failure) {
        for (AutoCloseable file : new AutoCloseable[] {content, slots}) {
            try {
                file.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    // ---- which generation is current -----------------------------------------------------

    /**
     * The current generation's number: 0 without a {@code CURRENT} file.
     *
     * @throws StoreFormatException when the file is there but not whole: it is only ever replaced
     *                              by a rename, so it was damaged from outside
     */
    static long current(Path storeDir) {
        Path path = storeDir.resolve(CURRENT_FILE);
        if (!Files.exists(path)) {
            return 0;
        }
        try {
            byte[] bytes = Files.readAllBytes(path);
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (bytes.length != CURRENT_BYTES || buffer.getInt(0) != MAGIC || buffer.getInt(12) != crc(bytes)
                    || buffer.getLong(4) < 1) {
                throw new StoreFormatException(path + " is damaged (" + bytes.length + " bytes, magic, number or"
                        + " checksum wrong): it names the generation of the store's files, and is only ever"
                        + " replaced whole. Refusing to open the store (nothing was changed); restore it from a backup");
            }
            return buffer.getLong(4);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /**
     * Refuses a {@code CURRENT} naming a generation whose slot file is not there: it was made whole
     * and forced before it was named, so its files were lost from outside, and opening would make an
     * empty generation (and delete the others). Reads only.
     *
     * @throws StoreFormatException when generation {@code number > 0} has no slot file
     */
    static void requirePresent(Path storeDir, long number) {
        Path slots = dirOf(storeDir, number).resolve(SlotFile.FILE_NAME);
        if (number > 0 && !Files.isRegularFile(slots)) {
            throw new StoreFormatException(storeDir.resolve(CURRENT_FILE) + " names generation " + number + ", but "
                    + slots + " is missing. Refusing to open the store (nothing was changed); restore the"
                    + " generation's files from a backup");
        }
    }

    /**
     * The first half of making generation {@code number} current: writes {@code CURRENT.tmp} and
     * forces it. Nothing changes until {@link #commitCurrent}; open deletes a temporary file a crash
     * left behind.
     */
    static void prepareCurrent(Path storeDir, long number, Forcer forcer) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(CURRENT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(0, MAGIC).putLong(4, number);
        bytes.putInt(12, crc(bytes.array()));
        Path tmp = storeDir.resolve(CURRENT_FILE + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            forcer.forceFile(tmp, channel, true);
        }
    }

    /**
     * The switch: renames the prepared {@code CURRENT.tmp} over {@code CURRENT} and forces the
     * directory. Before the rename the old generation is current, after it the new one; a crash
     * leaves one or the other, never neither.
     */
    static void commitCurrent(Path storeDir, Forcer forcer) throws IOException {
        StoreDirectory.rename(storeDir.resolve(CURRENT_FILE + ".tmp"), storeDir.resolve(CURRENT_FILE), forcer);
    }

    private static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 12);
        return (int) crc.getValue();
    }

    /**
     * Deletes every generation of the store but {@code current}, and a {@code CURRENT.tmp} a crash
     * left, then forces the directory when anything went.
     *
     * @return how many generations were deleted
     */
    static int deleteAllBut(Path storeDir, long current, Forcer forcer) {
        try {
            int deleted = 0;
            boolean changed = Files.deleteIfExists(storeDir.resolve(CURRENT_FILE + ".tmp"));
            if (current != 0 && deleteFiles(storeDir)) {
                deleted++;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(storeDir, "gen-*")) {
                for (Path entry : entries) {
                    Matcher name = DIR_NAME.matcher(entry.getFileName().toString());
                    if (name.matches() && Long.parseLong(name.group(1)) != current && Files.isDirectory(entry)) {
                        deleteDirectory(entry);
                        deleted++;
                    }
                }
            }
            if (changed || deleted > 0) {
                forcer.forceDirectory(storeDir);
            }
            return deleted;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete superseded generations in " + storeDir, e);
        }
    }

    /** Deletes a closed generation's files (and its directory, for {@code n > 0}), durably. */
    static void delete(Path storeDir, long number, Forcer forcer) throws IOException {
        Files.deleteIfExists(storeDir.resolve(CURRENT_FILE + ".tmp"));
        if (number == 0) {
            deleteFiles(storeDir);
        } else {
            deleteDirectory(dirOf(storeDir, number));
        }
        forcer.forceDirectory(storeDir);
    }

    private static boolean deleteFiles(Path dir) throws IOException {
        boolean slots = Files.deleteIfExists(dir.resolve(SlotFile.FILE_NAME));
        boolean log = Files.deleteIfExists(dir.resolve(ContentLog.FILE_NAME));
        return slots || log;
    }

    private static void deleteDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                Files.delete(entry);
            }
        }
        Files.delete(dir);
    }
}
