package io.akmon.agent.decode;

/** Names of the error numbers file syscalls return (asm-generic/errno-base.h and errno.h, x86_64). */
final class Errno {
    private static final String[] NAMES = {
        "ok", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
        "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR",
        "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS",
        "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP",
    };

    private Errno() {
    }

    /** "ok" for 0, the symbolic name where known, else "E" and the number. */
    static String name(int errno) {
        if (errno >= 0 && errno < NAMES.length) {
            return NAMES[errno];
        }
        return switch (errno) {
            case 61 -> "ENODATA";
            case 95 -> "EOPNOTSUPP";
            case 122 -> "EDQUOT";
            default -> "E" + errno;
        };
    }
}
