package io.rtmalloc.global;

import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GlobalFrontEndTest {

    @Test
    void theGlobalFrontEnd_turnsOffTheSpinOfTheCentralLocks_beforeAnyCall() {
        // Every call of this front end takes a transfer cache's lock, where parking at once
        // beats spinning (see TierLock): the front end says so to the central tier it is given.
        List<String> calls = new ArrayList<>();
        CentralCache central = (CentralCache) Proxy.newProxyInstance(CentralCache.class.getClassLoader(),
                new Class<?>[] {CentralCache.class}, (proxy, method, args) -> {
                    calls.add(method.getName() + (args == null ? "()" : Arrays.toString(args)));
                    return null;
                });
        new GlobalFrontEndProvider().create(Config.defaults(), central);
        assertEquals(List.of("spinWhenHeld[false]"), calls);
    }
}
