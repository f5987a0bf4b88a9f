package io.rtmalloc.bench;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** One line saying what the benchmarks ran on: OS, CPU, JDK and C library. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        return describe(true);
    }

    /** The same, with or without the CPU model (the charts' subtitle leaves it out). */
    static String describe(boolean cpuModel) {
        StringBuilder sb = new StringBuilder();
        sb.append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"));
        List<String> cpuinfo = lines("/proc/cpuinfo");
        String model = null;
        boolean hypervisor = false;
        for (String line : cpuinfo) {
            if (model == null && line.startsWith("model name")) {
                model = line.substring(line.indexOf(':') + 1).trim().replaceAll("\\s+", " ");
            }
            if (line.startsWith("flags") && line.contains(" hypervisor")) {
                hypervisor = true;
            }
        }
        if (hypervisor) {
            sb.append(" virtual machine");
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        sb.append(", ").append(cpus).append(cpus == 1 ? " CPU" : " CPUs");
        if (model != null && cpuModel) {
            sb.append(" (").append(model).append(')');
        }
        sb.append(", JDK ").append(System.getProperty("java.version"));
        String libc = glibcVersion();
        if (libc != null) {
            sb.append(", glibc ").append(libc);
        }
        return sb.toString();
    }

    private static String glibcVersion() {
        try {
            Linker linker = Linker.nativeLinker();
            var symbol = linker.defaultLookup().find("gnu_get_libc_version");
            if (symbol.isEmpty()) {
                return null;
            }
            MethodHandle h = linker.downcallHandle(symbol.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
            MemorySegment s = (MemorySegment) h.invokeExact();
            return s.reinterpret(64).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
