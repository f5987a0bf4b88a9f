package io.rtmalloc.tests;

import io.rtmalloc.RtMalloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReader;
import java.lang.module.ResolvedModule;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only rtmalloc's own modules reach its internals: {@code io.rtmalloc.spi},
 * whose {@code NativeMemory} reads and writes any address with the API
 * module's native access, and whose interfaces build the tiers the allocator
 * trusts. The API module exports it to the tier modules alone, and the public
 * package names none of its types.
 *
 * <p>The proof from outside: a consumer module, compiled here from source and
 * run in a new JVM on the module path with the real module jars (native access
 * for rtmalloc's modules, none for it), cannot compile a reference to the
 * internals, cannot reach them by reflection or method handles, and uses the
 * public API as any application does. A module that declares a tier provider
 * of its own does not even resolve.
 */
class SealedInternalsTest {

    static final String SPI = "io.rtmalloc.spi";
    /** The modules the API module exports its internals to: the tiers. */
    static final Set<String> TIERS = Set.of("io.rtmalloc.pageheap", "io.rtmalloc.central", "io.rtmalloc.global",
            "io.rtmalloc.threadcache", "io.rtmalloc.percpu");
    /** The other module the internals go to: management, for the listener that feeds JMX and JFR. */
    static final String MANAGEMENT = "io.rtmalloc.management";

    @Test
    void apiModule_exportsThePublicPackageToAll_andTheInternalsToRtmallocsModulesOnly() {
        ModuleDescriptor api = RtMalloc.class.getModule().getDescriptor();
        Map<String, Set<String>> exports = new TreeMap<>();
        for (ModuleDescriptor.Exports e : api.exports()) {
            exports.put(e.source(), e.isQualified() ? e.targets() : Set.of("*"));
        }
        Set<String> internal = new TreeSet<>(TIERS);
        internal.add(MANAGEMENT);
        assertEquals(Map.of("io.rtmalloc", Set.of("*"), SPI, internal), exports);
        assertTrue(api.opens().isEmpty(), "nothing open to deep reflection: " + api.opens());
        assertFalse(RtMalloc.class.getModule().isExported(SPI), "not to every module");
        for (String tier : TIERS) {
            Module m = ModuleLayer.boot().findModule(tier).orElseThrow();
            assertTrue(RtMalloc.class.getModule().isExported(SPI, m), tier);
        }
    }

    /** The packages every module sees. */
    static Set<String> publicPackages(ModuleDescriptor descriptor) {
        Set<String> packages = new TreeSet<>();
        for (ModuleDescriptor.Exports e : descriptor.exports()) {
            if (!e.isQualified()) {
                packages.add(e.source());
            }
        }
        return packages;
    }

    @Test
    void publicApi_namesNoTypeOfAnInternalPackage() throws Exception {
        Module api = RtMalloc.class.getModule();
        Set<String> publicPackages = publicPackages(api.getDescriptor());
        List<String> found = new ArrayList<>();
        int types = 0;
        ResolvedModule resolved = ModuleLayer.boot().configuration().findModule(api.getName()).orElseThrow();
        try (ModuleReader reader = resolved.reference().open()) {
            for (String entry : reader.list().toList()) {
                if (!entry.endsWith(".class") || entry.endsWith("module-info.class")
                        || entry.endsWith("package-info.class")) {
                    continue;
                }
                String name = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
                if (!publicPackages.contains(name.substring(0, name.lastIndexOf('.')))) {
                    continue;
                }
                Class<?> c = Class.forName(name, false, RtMalloc.class.getClassLoader());
                if (visibleOutside(c)) {
                    types++;
                    internalTypesIn(c, api, publicPackages, found);
                }
            }
        }
        assertTrue(types > 10, "the public types were found: " + types);
        assertEquals(List.of(), found, "public signatures naming internal types");
    }

    /** Whether other modules see {@code c}: public or protected, as is every class enclosing it. */
    private static boolean visibleOutside(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (k.isAnonymousClass() || k.isLocalClass() || k.isSynthetic()
                    || (k.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) == 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean visibleMember(int modifiers) {
        return (modifiers & (Modifier.PUBLIC | Modifier.PROTECTED)) != 0;
    }

    /** Adds to {@code found} each use of an internal type in the visible signatures of {@code c}. */
    private static void internalTypesIn(Class<?> c, Module api, Set<String> publicPackages, List<String> found) {
        Map<String, List<Type>> uses = new TreeMap<>();
        uses.put("supertypes", new ArrayList<>(List.of(c.getGenericInterfaces())));
        if (c.getGenericSuperclass() != null) {
            uses.get("supertypes").add(c.getGenericSuperclass());
        }
        uses.put("type parameters", List.of(c.getTypeParameters()));
        for (Field f : c.getDeclaredFields()) {
            if (visibleMember(f.getModifiers()) && !f.isSynthetic()) {
                uses.put("field " + f.getName(), List.of(f.getGenericType()));
            }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (visibleMember(k.getModifiers()) && !k.isSynthetic()) {
                List<Type> types = new ArrayList<>(List.of(k.getGenericParameterTypes()));
                types.addAll(List.of(k.getGenericExceptionTypes()));
                uses.put("constructor " + k.toGenericString(), types);
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            if (visibleMember(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                List<Type> types = new ArrayList<>(List.of(m.getGenericParameterTypes()));
                types.add(m.getGenericReturnType());
                types.addAll(List.of(m.getGenericExceptionTypes()));
                types.addAll(List.of(m.getTypeParameters()));
                uses.put("method " + m.toGenericString(), types);
            }
        }
        uses.forEach((where, types) -> {
            Set<Class<?>> named = new HashSet<>();
            for (Type t : types) {
                classesIn(t, named, new HashSet<>());
            }
            for (Class<?> n : named) {
                if (n.getModule() == api && !publicPackages.contains(n.getPackageName())) {
                    found.add(c.getName() + ", " + where + ": " + n.getName());
                }
            }
        });
    }

    /** Adds every class that {@code t} names, its type arguments and bounds included. */
    private static void classesIn(Type t, Set<Class<?>> into, Set<Type> seen) {
        if (!seen.add(t)) {
            return; // a bound that names its own variable
        }
        switch (t) {
            case Class<?> c -> {
                Class<?> e = c;
                while (e.isArray()) {
                    e = e.getComponentType();
                }
                into.add(e);
            }
            case ParameterizedType p -> {
                classesIn(p.getRawType(), into, seen);
                if (p.getOwnerType() != null) {
                    classesIn(p.getOwnerType(), into, seen);
                }
                for (Type a : p.getActualTypeArguments()) {
                    classesIn(a, into, seen);
                }
            }
            case GenericArrayType g -> classesIn(g.getGenericComponentType(), into, seen);
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) {
                    classesIn(b, into, seen);
                }
                for (Type b : w.getLowerBounds()) {
                    classesIn(b, into, seen);
                }
            }
            case TypeVariable<?> v -> {
                for (Type b : v.getBounds()) {
                    classesIn(b, into, seen);
                }
            }
            default -> throw new AssertionError("unknown kind of type: " + t);
        }
    }

    // ---- From outside: a consumer module in a JVM of its own ----

    /** A consumer of the public API, which tries every way into the internals it has. */
    static final String CONSUMER_MAIN = """
            package consumer;

            import io.rtmalloc.Allocator;
            import io.rtmalloc.RtMalloc;

            import java.lang.foreign.MemorySegment;
            import java.lang.foreign.ValueLayout;
            import java.lang.invoke.MethodHandles;
            import java.lang.invoke.MethodType;
            import java.lang.reflect.Method;

            public class Main {

                interface Attempt {
                    Object run() throws Throwable;
                }

                /** Prints what the attempt came to: "reached", or the exception thrown. */
                static void attempt(String what, Attempt attempt) {
                    String outcome;
                    try {
                        attempt.run();
                        outcome = "reached";
                    } catch (Throwable t) {
                        outcome = t.getClass().getName();
                    }
                    System.out.println(what + ": " + outcome);
                }

                public static void main(String[] args) throws Exception {
                    System.out.println("native access: " + Main.class.getModule().isNativeAccessEnabled());
                    try (Allocator a = RtMalloc.builder().frontEnd("global").build()) {
                        long p = a.malloc(64);
                        MemorySegment s = a.allocate(ValueLayout.JAVA_LONG, 8);
                        long sum = 0;
                        for (int i = 0; i < 8; i++) {
                            s.setAtIndex(ValueLayout.JAVA_LONG, i, 3L * i);
                        }
                        for (int i = 0; i < 8; i++) {
                            sum += s.getAtIndex(ValueLayout.JAVA_LONG, i);
                        }
                        a.free(s);
                        System.out.println("public api: " + a.frontEnd() + ", sum " + sum);

                        // Every attempt aims at a block of its own: had one got through, it would not crash.
                        Class<?> raw = Class.forName("io.rtmalloc.spi.NativeMemory");
                        Method getLong = raw.getMethod("getLong", long.class);
                        attempt("Method.invoke", () -> getLong.invoke(null, p));
                        attempt("setAccessible", () -> { getLong.setAccessible(true); return null; });
                        attempt("publicLookup", () -> MethodHandles.publicLookup().findStatic(raw, "putLong",
                                MethodType.methodType(void.class, long.class, long.class)));
                        attempt("lookup", () -> MethodHandles.lookup().findStatic(raw, "getLong",
                                MethodType.methodType(long.class, long.class)));
                        attempt("privateLookupIn", () -> MethodHandles.privateLookupIn(raw, MethodHandles.lookup()));
                        Class<?> frontEnd = Class.forName("io.rtmalloc.spi.FrontEndProvider");
                        Class<?> central = Class.forName("io.rtmalloc.spi.CentralCacheProvider");
                        Class<?> pageHeap = Class.forName("io.rtmalloc.spi.PageHeapProvider");
                        attempt("Stacks.builder", () -> Class.forName("io.rtmalloc.spi.Stacks")
                                .getMethod("builder", frontEnd, central, pageHeap).invoke(null, null, null, null));
                        attempt("Builder.frontEnd(provider)", () -> RtMalloc.Builder.class.getMethod("frontEnd", frontEnd));
                        a.free(p);
                    }
                }
            }
            """;

    /** The same consumer naming the internals in its source. */
    static final String CONSUMER_SNEAKY = """
            package consumer;

            class Sneaky {
                static long peek(long address) {
                    return io.rtmalloc.spi.NativeMemory.getLong(address);
                }
            }
            """;

    static final String CONSUMER_MODULE = """
            module consumer {
                requires io.rtmalloc.api;
            }
            """;

    /** A module that would plug a front end of its own in through ServiceLoader. */
    static final String ROGUE_MODULE = """
            module rogue {
                requires io.rtmalloc.api;
                provides io.rtmalloc.spi.FrontEndProvider with rogue.Rogue;
            }
            """;

    static final String ROGUE_PROVIDER = """
            package rogue;

            import io.rtmalloc.Config;
            import io.rtmalloc.spi.CentralCache;
            import io.rtmalloc.spi.FrontEnd;
            import io.rtmalloc.spi.FrontEndProvider;

            public class Rogue implements FrontEndProvider {
                @Override
                public String name() {
                    return "rogue";
                }

                @Override
                public FrontEnd create(Config config, CentralCache central) {
                    throw new UnsupportedOperationException("never built");
                }
            }
            """;

    /** Where the boot layer found a module: its jar (or classes folder) in the build. */
    static Path location(String module) {
        return Path.of(ModuleLayer.boot().configuration().findModule(module).orElseThrow()
                .reference().location().orElseThrow());
    }

    /** The API module, for compiling against it: it requires nothing but java.base. */
    static String apiPath() {
        return location("io.rtmalloc.api").toString();
    }

    /** The API and every tier module of the build, for running. */
    static String runPath() {
        List<String> parts = new ArrayList<>(List.of(apiPath()));
        for (String tier : new TreeSet<>(TIERS)) {
            parts.add(location(tier).toString());
        }
        return String.join(File.pathSeparator, parts);
    }

    /** Writes {@code sources} (path to text) under {@code dir}. */
    static Path write(Path dir, Map<String, String> sources) throws IOException {
        for (var s : sources.entrySet()) {
            Path file = dir.resolve(s.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, s.getValue());
        }
        return dir;
    }

    /** The outcome of a compilation or a run. */
    record Outcome(int exit, String output) {
    }

    static Outcome javac(String... args) {
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow();
        StringWriter out = new StringWriter();
        try (PrintWriter w = new PrintWriter(out)) {
            int exit = javac.run(w, w, args);
            w.flush();
            return new Outcome(exit, out.toString());
        }
    }

    static Outcome java(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("JAVA_TOOL_OPTIONS"); // it would print a line of its own
        pb.environment().remove("JDK_JAVA_OPTIONS");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        return new Outcome(p.exitValue(), output);
    }

    /** The module sources of the consumer, with or without {@link #CONSUMER_SNEAKY}. */
    static Map<String, String> consumer(boolean sneaky) {
        Map<String, String> sources = new TreeMap<>(Map.of(
                "module-info.java", CONSUMER_MODULE,
                "consumer/Main.java", CONSUMER_MAIN));
        if (sneaky) {
            sources.put("consumer/Sneaky.java", CONSUMER_SNEAKY);
        }
        return sources;
    }

    static List<String> javaFiles(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).map(Path::toString).toList();
        }
    }

    @Test
    void aConsumerModule_cannotCompileAReferenceToTheInternals(@TempDir Path tmp) throws Exception {
        Path src = write(tmp.resolve("src"), consumer(true));
        List<String> args = new ArrayList<>(List.of("-p", apiPath(), "-d", tmp.resolve("out").toString()));
        args.addAll(javaFiles(src));
        Outcome o = javac(args.toArray(String[]::new));
        assertNotEquals(0, o.exit(), o.output());
        assertTrue(o.output().contains("package io.rtmalloc.spi is not visible"), o.output());
        assertTrue(o.output().contains("does not export it to module consumer"), o.output());
        assertTrue(o.output().contains("Sneaky.java"), "only the reference fails: " + o.output());
        assertFalse(o.output().contains("Main.java"), "reflection compiles: " + o.output());
    }

    @Test
    void aConsumerModule_withoutNativeAccess_usesTheApi_butReachesNoInternal(@TempDir Path tmp) throws Exception {
        Path src = write(tmp.resolve("src"), consumer(false));
        Path out = tmp.resolve("out");
        List<String> args = new ArrayList<>(List.of("-p", apiPath(), "-d", out.toString()));
        args.addAll(javaFiles(src));
        Outcome compiled = javac(args.toArray(String[]::new));
        assertEquals(0, compiled.exit(), compiled.output());

        // Native access for rtmalloc's modules, which need it, none for the consumer; and a
        // restricted call from any other module would fail rather than warn.
        Outcome run = java(List.of("--enable-native-access=io.rtmalloc.api,io.rtmalloc.pageheap,io.rtmalloc.percpu",
                "--illegal-native-access=deny",
                "-p", runPath() + File.pathSeparator + out, "-m", "consumer/consumer.Main"));
        assertEquals(0, run.exit(), run.output());
        List<String> expected = List.of(
                "native access: false",
                "public api: global, sum 84",
                "Method.invoke: java.lang.IllegalAccessException",
                "setAccessible: java.lang.reflect.InaccessibleObjectException",
                "publicLookup: java.lang.IllegalAccessException",
                "lookup: java.lang.IllegalAccessException",
                "privateLookupIn: java.lang.IllegalAccessException",
                "Stacks.builder: java.lang.IllegalAccessException",
                "Builder.frontEnd(provider): java.lang.NoSuchMethodException");
        assertEquals(expected, run.output().lines().toList(), run.output());
    }

    @Test
    void aModuleProvidingATierOfItsOwn_doesNotResolve(@TempDir Path tmp) throws Exception {
        Path consumerOut = tmp.resolve("consumer");
        List<String> args = new ArrayList<>(List.of("-p", apiPath(), "-d", consumerOut.toString()));
        args.addAll(javaFiles(write(tmp.resolve("consumer-src"), consumer(false))));
        assertEquals(0, javac(args.toArray(String[]::new)).exit());
        // Compiled as if the API exported its internals to it, which it does not at run time.
        Path rogueOut = tmp.resolve("rogue");
        args = new ArrayList<>(List.of("-p", apiPath(), "--add-exports", "io.rtmalloc.api/" + SPI + "=rogue",
                "-d", rogueOut.toString()));
        args.addAll(javaFiles(write(tmp.resolve("rogue-src"),
                Map.of("module-info.java", ROGUE_MODULE, "rogue/Rogue.java", ROGUE_PROVIDER))));
        Outcome compiled = javac(args.toArray(String[]::new));
        assertEquals(0, compiled.exit(), compiled.output());

        Outcome run = java(List.of("--enable-native-access=io.rtmalloc.api,io.rtmalloc.pageheap,io.rtmalloc.percpu",
                "-p", String.join(File.pathSeparator, runPath(), consumerOut.toString(), rogueOut.toString()),
                "-m", "consumer/consumer.Main"));
        assertNotEquals(0, run.exit(), run.output());
        assertTrue(run.output().contains("Module rogue provides io.rtmalloc.spi.FrontEndProvider but does not read"
                + " a module that exports io.rtmalloc.spi to rogue"), run.output());
    }
}
