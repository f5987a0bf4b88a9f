package io.rtmalloc;

/**
 * One size class, fully resolved: the auto rules of {@link Config} have already
 * filled in {@code pages} and {@code batchSize} where the file left them out.
 *
 * @param size      bytes of every block of the class (a multiple of 8)
 * @param pages     pages of one span carved into blocks of this class
 * @param batchSize blocks moved at once between a front-end cache and the transfer cache
 */
public record SizeClass(int size, int pages, int batchSize) {
}
