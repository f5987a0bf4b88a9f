package io.rtmalloc;

import io.rtmalloc.spi.AllocatorListener;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API module alone: it needs only java.base, and works without the TOML and management modules. */
class SatellitesAbsentTest {

    @Test
    void apiModule_requiresOnlyJavaBaseAtRunTime() {
        ModuleDescriptor d = Config.class.getModule().getDescriptor();
        assertNotNull(d, "tests are expected to run on the module path");
        Set<String> runtime = d.requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet());
        assertEquals(Set.of("java.base"), runtime);
    }

    @Test
    void withoutManagement_theListenerDoesNothing() {
        assertSame(AllocatorListener.Found.class, AllocatorListener.INSTANCE.getClass());
    }

    @Test
    void withoutToml_defaultsComeFromCode_andParsingSaysWhatIsMissing() {
        assertEquals(45, Config.defaults().classes().size());
        assertEquals(Config.DEFAULT_SOURCE, Config.defaults().source());
        ConfigException e = assertThrows(ConfigException.class, () -> Config.parse("[config]\n"));
        assertTrue(e.getMessage().contains("rtmalloc-toml"), e.getMessage());
        assertEquals(Config.defaults(), Config.fromEnvironment(null, " "));
    }
}
