package io.akmon.agent.security;

import io.akmon.agent.loader.ProbeException;
import jnr.ffi.LibraryLoader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The agent's own small native library (src/main/c/akmon_security.c), unpacked from the jar and loaded once. */
public interface SecurityLib {
    int akmon_set_capabilities_all_threads(long effective, long permitted, long inheritable);

    final class Holder {
        private static volatile SecurityLib lib;

        private Holder() {
        }

        static SecurityLib get() {
            if (lib == null) {
                synchronized (Holder.class) {
                    if (lib == null) {
                        lib = LibraryLoader.create(SecurityLib.class).failImmediately().load(unpack().toString());
                    }
                }
            }
            return lib;
        }

        private static Path unpack() {
            try (InputStream in = SecurityLib.class.getResourceAsStream("/native/libakmon-security.so")) {
                if (in == null) {
                    throw new ProbeException("the agent jar has no native/libakmon-security.so", "rebuild: ./akmon build");
                }
                Path tmp = Files.createTempFile("akmon-security", ".so");
                tmp.toFile().deleteOnExit();
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                return tmp;
            } catch (IOException e) {
                throw new ProbeException("cannot unpack the agent's native library: " + e.getMessage(),
                        "make the temporary directory (java.io.tmpdir) writable");
            }
        }
    }
}
