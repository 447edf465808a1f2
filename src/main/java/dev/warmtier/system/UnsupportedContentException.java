package dev.warmtier.system;

/** A request body in a form or encoding the API does not read; answered 415, naming the header. */
public class UnsupportedContentException extends RuntimeException {

    private final String header;

    public UnsupportedContentException(String header, String rule) {
        super(header + ": " + rule);
        this.header = header;
    }

    public String header() {
        return header;
    }
}
