package dev.warmtier.space;

import dev.warmtier.system.UnavailableException;

/**
 * A request named a space whose directory exists but could not be opened at startup (damaged or
 * half-made files, no room to map it). Every other space serves; this one answers 503 until an
 * operator repairs its files and restarts, or drops it. The message names no file: the startup
 * log and the health details say what went wrong.
 */
public class SpaceUnavailableException extends UnavailableException {

    public SpaceUnavailableException(String space) {
        super("space '" + space + "' could not be opened at startup; an operator must repair its files or drop it");
    }
}
