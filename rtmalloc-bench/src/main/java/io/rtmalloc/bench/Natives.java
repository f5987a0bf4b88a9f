package io.rtmalloc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The native allocators through FFM downcalls: the C library's {@code malloc}
 * (plain and critical), and tcmalloc, jemalloc and mimalloc from the shared
 * libraries a Linux distribution installs (Debian: {@code libtcmalloc-minimal4},
 * {@code libjemalloc2}, {@code libmimalloc2.0}). A library is found at the path in
 * the system property {@code rtmalloc.bench.<name>} when set, else at the first
 * of the standard locations that exists, else by its soname through the dynamic
 * loader's search path. All but {@code libc_ffm} are linked with
 * {@code Linker.Option.critical(false)}, the fastest way FFM offers (safe because
 * these functions never call back into Java).
 *
 * <p>The code of a call exists once, in {@link Handles}; each library is a
 * holder class of its own, a {@link Blocks.Addresses} whose {@code Handles} sit
 * in a {@code static final} field. C2 folds a static final record's handles into
 * constants and inlines the downcall. Handles held in an instance field make
 * each pair about 1.6 times slower, and one adapter calling the holders through
 * an interface added about 0.7 ns per 64-byte pair here: handicaps for the
 * peers that would flatter rtmalloc.
 * A holder is initialized only when a benchmark of its library runs, so an
 * absent library is never loaded; {@link Main} asks {@link #unavailable(Lib)}
 * first and leaves such benchmarks out, saying why.
 */
final class Natives {

    private Natives() {
    }

    /** A shared library with a malloc: its soname, Debian package and symbols (sized free last). */
    enum Lib {
        TCMALLOC("libtcmalloc_minimal.so.4", "libtcmalloc-minimal4", "tc_malloc", "tc_free", "tc_realloc",
                "tc_free_sized"),
        JEMALLOC("libjemalloc.so.2", "libjemalloc2", "malloc", "free", "realloc", "sdallocx"),
        MIMALLOC("libmimalloc.so.2", "libmimalloc2.0", "mi_malloc", "mi_free", "mi_realloc", "mi_free_size");

        final String soname;
        final String debianPackage;
        final List<String> symbols;

        Lib(String soname, String debianPackage, String... symbols) {
            this.soname = soname;
            this.debianPackage = debianPackage;
            this.symbols = List.of(symbols);
        }

        /** The system property that names the library's path. */
        String property() {
            return "rtmalloc.bench." + name().toLowerCase(Locale.ROOT);
        }

        /** The property's path, else the first standard library directory holding it, else its soname. */
        String location() {
            String p = System.getProperty(property());
            if (p != null && !p.isBlank()) {
                return p;
            }
            for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                    "/usr/lib64", "/usr/lib", "/usr/local/lib", "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu")) {
                if (Files.isRegularFile(Path.of(dir, soname))) {
                    return dir + "/" + soname;
                }
            }
            return soname;
        }

        /** Opens the library (once per JVM: the loader keeps it) and checks its symbols. */
        SymbolLookup open() {
            SymbolLookup lookup = SymbolLookup.libraryLookup(location(), Arena.global());
            for (String s : symbols) {
                if (lookup.find(s).isEmpty()) {
                    throw new IllegalStateException(location() + " has no symbol " + s);
                }
            }
            return lookup;
        }
    }

    /**
     * Why the library cannot be benchmarked in this JVM, or null when it can: it
     * is opened here, as the benchmark's JVM will open it.
     */
    static String unavailable(Lib lib) {
        String where = lib.location();
        String notFound = " not found (Debian package " + lib.debianPackage + ", or -D" + lib.property() + "=PATH)";
        if (where.startsWith("/") && !Files.isRegularFile(Path.of(where))) {
            return where + notFound;
        }
        try {
            lib.open();
            return null;
        } catch (RuntimeException e) {
            if (!where.startsWith("/")) {
                return lib.soname + notFound;
            }
            if (lib == Lib.JEMALLOC && !String.valueOf(System.getenv("GLIBC_TUNABLES"))
                    .contains("glibc.rtld.optional_static_tls")) {
                // dlopen fails with "cannot allocate memory in static TLS block"
                return where + " cannot be loaded without GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384"
                        + " in the JVM's environment (bench.sh sets it)";
            }
            return where + " cannot be loaded: " + e.getMessage();
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor MALLOC = FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor FREE = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS);
    private static final FunctionDescriptor FREE_SIZED =
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor REALLOC =
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);

    /**
     * A library's four downcall handles. A record, so that C2 trusts its final
     * fields: held in a {@code static final}, each handle is a constant.
     */
    record Handles(MethodHandle malloc, MethodHandle free, MethodHandle realloc, MethodHandle freeSized) {

        /** The C library's, with the symbols of the default lookup; no sized free. */
        static Handles libc(Linker.Option... options) {
            return new Handles(handle(LINKER.defaultLookup(), "malloc", MALLOC, options),
                    handle(LINKER.defaultLookup(), "free", FREE, options),
                    handle(LINKER.defaultLookup(), "realloc", REALLOC, options), null);
        }

        /** A library's, critical; jemalloc's {@code sdallocx} gets its flags argument bound to 0. */
        static Handles of(Lib lib) {
            SymbolLookup l = lib.open();
            Linker.Option critical = Linker.Option.critical(false);
            List<String> s = lib.symbols;
            MethodHandle sized = lib == Lib.JEMALLOC
                    ? MethodHandles.insertArguments(handle(l, s.get(3), FREE_SIZED.appendArgumentLayouts(
                            ValueLayout.JAVA_INT), critical), 2, 0)
                    : handle(l, s.get(3), FREE_SIZED, critical);
            return new Handles(handle(l, s.get(0), MALLOC, critical), handle(l, s.get(1), FREE, critical),
                    handle(l, s.get(2), REALLOC, critical), sized);
        }

        long mallocChecked(long size) {
            try {
                return checked((MemorySegment) malloc.invokeExact(size), size);
            } catch (Throwable t) {
                throw Blocks.rethrow(t);
            }
        }

        void freeAt(long address) {
            try {
                free.invokeExact(MemorySegment.ofAddress(address));
            } catch (Throwable t) {
                throw Blocks.rethrow(t);
            }
        }

        void freeSizedAt(long address, long size) {
            if (freeSized == null) {
                throw new UnsupportedOperationException("no sized free");
            }
            try {
                freeSized.invokeExact(MemorySegment.ofAddress(address), size);
            } catch (Throwable t) {
                throw Blocks.rethrow(t);
            }
        }

        long reallocChecked(long address, long size) {
            try {
                return checked((MemorySegment) realloc.invokeExact(MemorySegment.ofAddress(address), size), size);
            } catch (Throwable t) {
                throw Blocks.rethrow(t);
            }
        }
    }

    private static MethodHandle handle(SymbolLookup lookup, String name, FunctionDescriptor desc,
                                       Linker.Option... options) {
        return LINKER.downcallHandle(lookup.find(name)
                .orElseThrow(() -> new IllegalStateException("no symbol " + name)), desc, options);
    }

    private static long checked(MemorySegment p, long size) {
        if (p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") returned NULL");
        }
        return p.address();
    }

    // The holders: one class per library, so that each one's handles are a static final of its own.

    /** glibc through plain downcalls. */
    static final class Libc extends Blocks.Addresses {
        static final Handles H = Handles.libc();

        Libc(int n) {
            super(n);
        }

        // @formatter:off
        @Override long malloc(long size) { return H.mallocChecked(size); }
        @Override void free(long address) { H.freeAt(address); }
        @Override void freeSized(long address, long size) { H.freeSizedAt(address, size); }
        @Override long realloc(long address, long size) { return H.reallocChecked(address, size); }
        // @formatter:on
    }

    /** glibc through critical downcalls. */
    static final class LibcCritical extends Blocks.Addresses {
        static final Handles H = Handles.libc(Linker.Option.critical(false));

        LibcCritical(int n) {
            super(n);
        }

        // @formatter:off
        @Override long malloc(long size) { return H.mallocChecked(size); }
        @Override void free(long address) { H.freeAt(address); }
        @Override void freeSized(long address, long size) { H.freeSizedAt(address, size); }
        @Override long realloc(long address, long size) { return H.reallocChecked(address, size); }
        // @formatter:on
    }

    /** tcmalloc (gperftools, per-thread caches): tc_malloc, tc_free, tc_realloc, tc_free_sized. */
    static final class Tcmalloc extends Blocks.Addresses {
        static final Handles H = Handles.of(Lib.TCMALLOC);

        Tcmalloc(int n) {
            super(n);
        }

        // @formatter:off
        @Override long malloc(long size) { return H.mallocChecked(size); }
        @Override void free(long address) { H.freeAt(address); }
        @Override void freeSized(long address, long size) { H.freeSizedAt(address, size); }
        @Override long realloc(long address, long size) { return H.reallocChecked(address, size); }
        // @formatter:on
    }

    /** jemalloc: its own malloc, free, realloc and sdallocx, found through its library lookup. */
    static final class Jemalloc extends Blocks.Addresses {
        static final Handles H = Handles.of(Lib.JEMALLOC);

        Jemalloc(int n) {
            super(n);
        }

        // @formatter:off
        @Override long malloc(long size) { return H.mallocChecked(size); }
        @Override void free(long address) { H.freeAt(address); }
        @Override void freeSized(long address, long size) { H.freeSizedAt(address, size); }
        @Override long realloc(long address, long size) { return H.reallocChecked(address, size); }
        // @formatter:on
    }

    /** mimalloc: mi_malloc, mi_free, mi_realloc, mi_free_size. */
    static final class Mimalloc extends Blocks.Addresses {
        static final Handles H = Handles.of(Lib.MIMALLOC);

        Mimalloc(int n) {
            super(n);
        }

        // @formatter:off
        @Override long malloc(long size) { return H.mallocChecked(size); }
        @Override void free(long address) { H.freeAt(address); }
        @Override void freeSized(long address, long size) { H.freeSizedAt(address, size); }
        @Override long realloc(long address, long size) { return H.reallocChecked(address, size); }
        // @formatter:on
    }

    // What each library says it holds (the footprint's "own account"), read after a trial's iterations.

    /** glibc's struct mallinfo2: ten size_t counters. */
    private static final MemoryLayout MALLINFO2 =
            MemoryLayout.structLayout(Collections.nCopies(10, ValueLayout.JAVA_LONG).toArray(MemoryLayout[]::new));

    /**
     * Bytes glibc's malloc holds from the OS in the whole process ({@code mallinfo2()}:
     * {@code arena + hblkhd}, the heaps plus mmapped chunks, -1 unknown), or null
     * where there is no {@code mallinfo2} (not glibc, or older than 2.33).
     */
    static long[] glibcFootprint() {
        var symbol = LINKER.defaultLookup().find("mallinfo2");
        if (symbol.isEmpty()) {
            return null;
        }
        MethodHandle h = LINKER.downcallHandle(symbol.get(), FunctionDescriptor.of(MALLINFO2));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) h.invokeExact((SegmentAllocator) arena);
            return new long[] {info.get(ValueLayout.JAVA_LONG, 0) + info.get(ValueLayout.JAVA_LONG, 32), -1};
        } catch (Throwable t) {
            throw Blocks.rethrow(t);
        }
    }

    /** tcmalloc's bytes mapped and resident: {@code generic.heap_size}, less {@code tcmalloc.pageheap_unmapped_bytes}. */
    static long[] tcmallocFootprint() {
        MethodHandle get = LINKER.downcallHandle(Lib.TCMALLOC.open().find("MallocExtension_GetNumericProperty")
                .orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
            int ok = (int) get.invokeExact(arena.allocateFrom("generic.heap_size"), value);
            long heap = ok != 0 ? value.get(ValueLayout.JAVA_LONG, 0) : -1;
            ok = (int) get.invokeExact(arena.allocateFrom("tcmalloc.pageheap_unmapped_bytes"), value);
            long unmapped = ok != 0 ? value.get(ValueLayout.JAVA_LONG, 0) : -1;
            return new long[] {heap, heap < 0 || unmapped < 0 ? -1 : heap - unmapped};
        } catch (Throwable t) {
            throw Blocks.rethrow(t);
        }
    }

    /** jemalloc's {@code stats.mapped} and {@code stats.resident} after an {@code epoch} refresh. */
    static long[] jemallocFootprint() {
        MethodHandle mallctl = LINKER.downcallHandle(Lib.JEMALLOC.open().find("mallctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment epoch = arena.allocate(ValueLayout.JAVA_LONG);
            epoch.set(ValueLayout.JAVA_LONG, 0, 1);
            if ((int) mallctl.invokeExact(arena.allocateFrom("epoch"), MemorySegment.NULL, MemorySegment.NULL,
                    epoch, 8L) != 0) {
                return new long[] {-1, -1};
            }
            List<Long> out = new ArrayList<>();
            for (String name : List.of("stats.mapped", "stats.resident")) {
                MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
                MemorySegment len = arena.allocate(ValueLayout.JAVA_LONG);
                len.set(ValueLayout.JAVA_LONG, 0, 8);
                int rc = (int) mallctl.invokeExact(arena.allocateFrom(name), value, len, MemorySegment.NULL, 0L);
                out.add(rc == 0 ? value.get(ValueLayout.JAVA_LONG, 0) : -1);
            }
            return new long[] {out.get(0), out.get(1)};
        } catch (Throwable t) {
            throw Blocks.rethrow(t);
        }
    }
}
