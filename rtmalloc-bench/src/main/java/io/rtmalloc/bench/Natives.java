package io.rtmalloc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The native allocators compared with rtmalloc besides the C library's:
 * tcmalloc, jemalloc and mimalloc, from the shared libraries a Linux
 * distribution installs (Debian: {@code libtcmalloc-minimal4},
 * {@code libjemalloc2}, {@code libmimalloc2.0}). Each is found at the path in
 * the system property {@code rtmalloc.bench.<name>} when set, else at the first
 * of a list of standard locations that exists, else by its soname through the
 * dynamic loader's search path. Each is called through downcalls linked with
 * {@code Linker.Option.critical(false)}, the fastest way FFM offers (safe
 * because these functions never call back into Java).
 *
 * <p>The handles live in one holder class per library, initialized only when a
 * benchmark of that library runs, so a library that is absent is never loaded;
 * {@link Main} asks {@link #unavailable(Lib)} first and leaves such benchmarks
 * out of the run, saying why.
 */
final class Natives {

    private Natives() {
    }

    /** A native allocator: its benchmark name, library file, symbols and where it may be. */
    enum Lib {
        TCMALLOC("tcmalloc_ffm", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4",
                "tc_malloc", "tc_free", "tc_realloc"),
        JEMALLOC("jemalloc_ffm", "libjemalloc.so.2", "libjemalloc2",
                "malloc", "free", "realloc"),
        MIMALLOC("mimalloc_ffm", "libmimalloc.so.2", "libmimalloc2.0",
                "mi_malloc", "mi_free", "mi_realloc");

        final String method;
        final String soname;
        final String debianPackage;
        final String malloc;
        final String free;
        final String realloc;

        Lib(String method, String soname, String debianPackage, String malloc, String free, String realloc) {
            this.method = method;
            this.soname = soname;
            this.debianPackage = debianPackage;
            this.malloc = malloc;
            this.free = free;
            this.realloc = realloc;
        }

        /** The short name: tcmalloc, jemalloc, mimalloc. */
        String shortName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The system property that names the library's path. */
        String property() {
            return "rtmalloc.bench." + shortName();
        }

        /** Where to look, in order: the property's path, then the standard library directories. */
        List<String> candidates() {
            List<String> out = new ArrayList<>();
            String p = System.getProperty(property());
            if (p != null && !p.isBlank()) {
                out.add(p);
                return out;
            }
            for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                    "/usr/lib64", "/usr/lib", "/usr/local/lib", "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu")) {
                out.add(dir + "/" + soname);
            }
            return out;
        }

        /** The path of the library if a candidate exists, else its soname (for the loader's search). */
        String location() {
            List<String> candidates = candidates();
            if (System.getProperty(property()) != null) {
                return candidates.getFirst();
            }
            for (String c : candidates) {
                if (Files.isRegularFile(Path.of(c))) {
                    return c;
                }
            }
            return soname;
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor MALLOC_DESC =
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor FREE_DESC = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS);
    private static final FunctionDescriptor FREE_SIZED_DESC =
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor REALLOC_DESC =
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);

    /** Opens the library (once per JVM: the loader keeps it) and finds its three symbols. */
    static SymbolLookup open(Lib lib) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(lib.location(), Arena.global());
        for (String s : List.of(lib.malloc, lib.free, lib.realloc)) {
            if (lookup.find(s).isEmpty()) {
                throw new IllegalStateException(lib.location() + " has no symbol " + s);
            }
        }
        return lookup;
    }

    /**
     * Why the library cannot be benchmarked in this JVM, or null when it can:
     * it is opened here, as the benchmark's JVM will open it.
     */
    static String unavailable(Lib lib) {
        String where = lib.location();
        String notFound = " not found (Debian package " + lib.debianPackage + ", or -D" + lib.property() + "=PATH)";
        if (where.startsWith("/") && !Files.isRegularFile(Path.of(where))) {
            return where + notFound;
        }
        try {
            open(lib);
            return null;
        } catch (RuntimeException e) {
            if (!where.startsWith("/")) {
                return lib.soname + notFound;
            }
            String tunables = String.valueOf(System.getenv("GLIBC_TUNABLES"));
            if (lib == Lib.JEMALLOC && !tunables.contains("glibc.rtld.optional_static_tls")) {
                // dlopen fails with "cannot allocate memory in static TLS block"
                return where + " cannot be loaded without GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384"
                        + " in the JVM's environment (bench.sh sets it)";
            }
            return where + " cannot be loaded: " + e.getMessage();
        }
    }

    private static MethodHandle handle(SymbolLookup lookup, String name, FunctionDescriptor desc) {
        return LINKER.downcallHandle(lookup.find(name).orElseThrow(), desc, Linker.Option.critical(false));
    }

    static long checked(MemorySegment p, long size) {
        if (p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") returned NULL");
        }
        return p.address();
    }

    /** tcmalloc (gperftools, per-thread caches): tc_malloc, tc_free, tc_realloc. */
    static final class Tcmalloc {
        private static final SymbolLookup LIB = open(Lib.TCMALLOC);
        static final MethodHandle MALLOC = handle(LIB, Lib.TCMALLOC.malloc, MALLOC_DESC);
        static final MethodHandle FREE = handle(LIB, Lib.TCMALLOC.free, FREE_DESC);
        static final MethodHandle REALLOC = handle(LIB, Lib.TCMALLOC.realloc, REALLOC_DESC);
        /** Sized free: {@code tc_free_sized}. */
        static final MethodHandle FREE_SIZED = handle(LIB, "tc_free_sized", FREE_SIZED_DESC);

        private Tcmalloc() {
        }

        static long malloc(long size) throws Throwable {
            return checked((MemorySegment) MALLOC.invokeExact(size), size);
        }

        static void free(long address) throws Throwable {
            FREE.invokeExact(MemorySegment.ofAddress(address));
        }

        static void freeSized(long address, long size) throws Throwable {
            FREE_SIZED.invokeExact(MemorySegment.ofAddress(address), size);
        }

        static long realloc(long address, long size) throws Throwable {
            return checked((MemorySegment) REALLOC.invokeExact(MemorySegment.ofAddress(address), size), size);
        }

        /** Bytes mapped and resident: {@code generic.heap_size}, less {@code tcmalloc.pageheap_unmapped_bytes}. */
        static long[] footprint() {
            MethodHandle get = LINKER.downcallHandle(LIB.find("MallocExtension_GetNumericProperty").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
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
    }

    /** jemalloc: its own malloc, free and realloc, found through its library lookup. */
    static final class Jemalloc {
        private static final SymbolLookup LIB = open(Lib.JEMALLOC);
        static final MethodHandle MALLOC = handle(LIB, Lib.JEMALLOC.malloc, MALLOC_DESC);
        static final MethodHandle FREE = handle(LIB, Lib.JEMALLOC.free, FREE_DESC);
        static final MethodHandle REALLOC = handle(LIB, Lib.JEMALLOC.realloc, REALLOC_DESC);
        /** Sized free: {@code sdallocx}. */
        static final MethodHandle FREE_SIZED = handle(LIB, "sdallocx", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

        private Jemalloc() {
        }

        static long malloc(long size) throws Throwable {
            return checked((MemorySegment) MALLOC.invokeExact(size), size);
        }

        static void free(long address) throws Throwable {
            FREE.invokeExact(MemorySegment.ofAddress(address));
        }

        static void freeSized(long address, long size) throws Throwable {
            FREE_SIZED.invokeExact(MemorySegment.ofAddress(address), size, 0);
        }

        static long realloc(long address, long size) throws Throwable {
            return checked((MemorySegment) REALLOC.invokeExact(MemorySegment.ofAddress(address), size), size);
        }

        /** Bytes mapped and resident: {@code stats.mapped} and {@code stats.resident} after an {@code epoch} refresh. */
        static long[] footprint() {
            MethodHandle mallctl = LINKER.downcallHandle(LIB.find("mallctl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment epoch = arena.allocate(ValueLayout.JAVA_LONG);
                epoch.set(ValueLayout.JAVA_LONG, 0, 1);
                int rc = (int) mallctl.invokeExact(arena.allocateFrom("epoch"), MemorySegment.NULL,
                        MemorySegment.NULL, epoch, 8L);
                if (rc != 0) {
                    return new long[] {-1, -1};
                }
                long[] out = new long[2];
                String[] names = {"stats.mapped", "stats.resident"};
                for (int i = 0; i < 2; i++) {
                    MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
                    MemorySegment len = arena.allocate(ValueLayout.JAVA_LONG);
                    len.set(ValueLayout.JAVA_LONG, 0, 8);
                    rc = (int) mallctl.invokeExact(arena.allocateFrom(names[i]), value, len, MemorySegment.NULL, 0L);
                    out[i] = rc == 0 ? value.get(ValueLayout.JAVA_LONG, 0) : -1;
                }
                return out;
            } catch (Throwable t) {
                throw Blocks.rethrow(t);
            }
        }
    }

    /** mimalloc: mi_malloc, mi_free, mi_realloc. */
    static final class Mimalloc {
        private static final SymbolLookup LIB = open(Lib.MIMALLOC);
        static final MethodHandle MALLOC = handle(LIB, Lib.MIMALLOC.malloc, MALLOC_DESC);
        static final MethodHandle FREE = handle(LIB, Lib.MIMALLOC.free, FREE_DESC);
        static final MethodHandle REALLOC = handle(LIB, Lib.MIMALLOC.realloc, REALLOC_DESC);
        /** Sized free: {@code mi_free_size}. */
        static final MethodHandle FREE_SIZED = handle(LIB, "mi_free_size", FREE_SIZED_DESC);

        private Mimalloc() {
        }

        static long malloc(long size) throws Throwable {
            return checked((MemorySegment) MALLOC.invokeExact(size), size);
        }

        static void free(long address) throws Throwable {
            FREE.invokeExact(MemorySegment.ofAddress(address));
        }

        static void freeSized(long address, long size) throws Throwable {
            FREE_SIZED.invokeExact(MemorySegment.ofAddress(address), size);
        }

        static long realloc(long address, long size) throws Throwable {
            return checked((MemorySegment) REALLOC.invokeExact(MemorySegment.ofAddress(address), size), size);
        }
    }
}
