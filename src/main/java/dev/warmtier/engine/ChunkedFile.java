package dev.warmtier.engine;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * A data file of the store that is a header page followed by chunks mapped as the file grows:
 * what the slot file and the content log share from open to close. It owns the file's channel,
 * header and chunks; what their bytes mean is the subclass's.
 *
 * <p>Threads: any operation reads the chunks and forces their dirty ranges ({@link #forceDirty}
 * also runs on the interval flusher's thread); only the store's closing thread closes the file,
 * once no operation is under way.
 */
abstract class ChunkedFile implements AutoCloseable {

    final HeaderedFile file;
    final MappedChunks chunks;

    /** Maps the file's chunks after its header page, sized in bytes by {@code byteSeries}. */
    ChunkedFile(HeaderedFile file, ChunkSeries byteSeries, FileExtender extender, Forcer forcer, FileIo io,
                boolean growAhead) {
        this.file = file;
        this.chunks = new MappedChunks(file.path, file.channel, file.header.capacity(), byteSeries, extender, forcer,
                io, growAhead);
    }

    /**
     * The last step of an open: makes the owner from the opened {@code file} and maps the chunks
     * the file holds whole. When either fails, the file is closed and the failure rethrown.
     */
    static <F extends ChunkedFile> F mapped(HeaderedFile file, Function<HeaderedFile, F> make) {
        try {
            F opened = make.apply(file);
            opened.chunks.mapExisting();
            return opened;
        } catch (RuntimeException e) {
            file.closeAfterFailure();
            throw e;
        }
    }

    Path path() {
        return file.path;
    }

    /** Turns growing the next chunk ahead of need on or off from now on. */
    void allowGrowAhead(boolean enabled) {
        chunks.allowGrowAhead(enabled);
    }

    /** Forces every chunk holding writes that no force has covered yet. */
    void forceDirty() {
        chunks.forceDirty();
    }

    /** Forces every chunk, whatever its dirty flag says. */
    void forceAll() {
        chunks.forceAll();
    }

    /** Chunks holding writes that no force has covered yet. */
    int dirtyChunks() {
        return chunks.dirtyCount();
    }

    /** Force calls (msync) made since open. */
    long forces() {
        return chunks.forces();
    }

    /** Times the file was extended by a chunk since open. */
    long growths() {
        return chunks.growths();
    }

    /** Unmaps every chunk and the header and closes the file, forcing nothing: the file is deleted next. */
    void discard() {
        file.discard(chunks);
    }

    /** Forces and unmaps every chunk and the header, then closes the file. */
    @Override
    public void close() {
        file.close(chunks);
    }
}
