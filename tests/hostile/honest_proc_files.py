# Not an attack: an honest module that reads /proc/meminfo, /proc/cpuinfo and its own
# /proc/self/status at import, as psutil or torch's helpers do. The audit hook (which
# refuses /proc/<pid>/mem) must let it, and the grade must not change.
# >>> attack
with open("/proc/meminfo") as info:
    print("meminfo:", info.readline().strip())
with open("/proc/cpuinfo") as info:
    print("cpuinfo:", len(info.read()) > 0)
with open("/proc/self/status") as info:
    print("status:", info.readline().strip())
# <<< attack
{{SOLUTION}}
