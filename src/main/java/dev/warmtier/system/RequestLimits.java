package dev.warmtier.system;

/**
 * The bounds on what one request may ask for, besides its body size ({@code warmtier.max-request-bytes}):
 * so that no request makes the service hold much more than the request itself.
 */
public final class RequestLimits {

    /** Most items in one batch. */
    public static final int MAX_BATCH_ITEMS = 1000;
    /** Most memories in one page of a listing (a page is also bounded by bytes). */
    public static final int MAX_PAGE_ITEMS = 1000;
    /** JSON tokens (names, values, brackets) one batch item can need besides its embedding's values. */
    static final int TOKENS_PER_ITEM = 32;

    private RequestLimits() {
    }

    /**
     * The most JSON tokens a valid request can hold: a full batch of items with every field given.
     * Anything longer (a merge patch with millions of members, a batch of a million empty items) is
     * refused while it is read, before it is built in memory.
     */
    static long maxJsonTokens(int embeddingDimension) {
        return (long) MAX_BATCH_ITEMS * (embeddingDimension + TOKENS_PER_ITEM) + 64;
    }
}
