"""Peak resident memory of the current process, for benchmarks that run in a child process."""

from __future__ import annotations

import resource

KIB = 1024  # Linux reports ru_maxrss and VmHWM in KiB
PROC_STATUS = "/proc/self/status"
HWM_FIELD = "VmHWM:"


def peak_rss_bytes() -> int:
    """This process's peak RSS since it was exec'ed.

    ``ru_maxrss`` is not it: Linux carries the high-water mark of the image replaced by
    ``exec`` over into the new one, and ``subprocess`` forks the parent, which may hold a
    lot (the sandbox's codes, a previous run). ``VmHWM`` belongs to the new address space.
    """
    try:
        with open(PROC_STATUS, encoding="ascii") as status:
            for line in status:
                if line.startswith(HWM_FIELD):
                    return int(line.split()[1]) * KIB  # "VmHWM:   123456 kB"
    except OSError:  # not Linux: the best the platform offers
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KIB
