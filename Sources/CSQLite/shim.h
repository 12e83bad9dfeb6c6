#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
static inline void (*portal_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }

/// Turns off SQLite's memory statistics, which take a global mutex on every allocation
/// (https://www.sqlite.org/c3ref/c_config_covering_index_scan.html#sqliteconfigmemstatus), and
/// lets the sorter's runs be as small as the page cache: SQLite sorts runs of the larger of
/// SQLITE_CONFIG_PMASZ pages and the cache in memory, and merges them from temporary files.
/// The default 250 pages made every run 4 MB with 16 KB pages, whatever the cache, beyond a
/// core's second-level cache (1 MB here); with 16, an import's 2 MB cache sets them. Measured
/// on the end of first imports of 100,000 students with UUIDs (staged rows put in key order,
/// six indexes built; fastest of four, alternated): 0.96 -> 0.71-0.80 s; runs of 128 KB to 1 MB
/// no faster than 2 MB. Must run before the library initialises; later calls are refused
/// harmlessly.
static inline int portal_sqlite_configure(void) {
    sqlite3_config(SQLITE_CONFIG_PMASZ, 16);
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#include <errno.h>
#include <fcntl.h>

/// Opens a nameless file in `dir` (Linux O_TMPFILE, a macro Swift cannot import): it vanishes
/// with the process unless linked into place, so no half-written output ever survives a crash,
/// a kill or a full disk. -1 with errno set where the file system cannot.
static inline int portal_open_tmpfile(const char *dir, int mode) {
#if defined(O_TMPFILE)
    return open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
#elif defined(__O_TMPFILE)
    // glibc defines O_TMPFILE only with _GNU_SOURCE; its __O_TMPFILE is the same flag.
    return open(dir, __O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
#else
    errno = EOPNOTSUPP;
    return -1;
#endif
}
