/*
 * Lockscope preload recorder for libvirtd.
 *
 * Loaded with LD_PRELOAD into libvirtd, it interposes libvirt's lock API (object locks,
 * rwlocks, mutexes, condition waits), its domain job API and the RPC dispatcher, and writes
 * fixed-size binary records (struct ls_record) to $LOCKSCOPE_TRACE_OUT.events plus one JSON
 * line per name (object, thread, API call subject, caller symbol) to $LOCKSCOPE_TRACE_OUT.names.
 *
 * Ordering guarantees the decoder relies on:
 * - a name line is written (unbuffered) before any record that refers to it is flushed;
 * - every record with a time below a watermark record's time appears before that watermark in
 *   the events file (the flusher takes the watermark time before walking the buffers, and each
 *   thread takes its timestamps while holding its own buffer lock).
 *
 * Without LOCKSCOPE_TRACE_OUT the library only forwards calls.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LS_EXPORT __attribute__((visibility("default")))

/* ---- record format (keep in sync with src/format.ts) ---- */

enum ls_op {
    LS_LOCK_REQUEST = 1,  /* id = lock, flags = mode (0 exclusive, 1 shared) */
    LS_LOCK_ACQUIRED = 2, /* flags = mode; arg2 = 1 when the call failed */
    LS_LOCK_RELEASED = 3, /* mode unknown for rw unlocks: the decoder knows the holder's mode */
    LS_COND_WAIT = 4,     /* id = lock released for the wait */
    LS_COND_WOKEN = 5,    /* id = lock re-acquired after the wait */
    LS_JOB_REQUEST = 6,   /* id = job lock */
    LS_JOB_ACQUIRED = 7,  /* arg2 = return value (0 ok) */
    LS_JOB_RELEASED = 8,
    LS_API_BEGIN = 9,     /* id = call id (names file: subject), arg = program, arg2 = procedure */
    LS_API_END = 10,      /* arg2 = return value */
    LS_PHASE_BEGIN = 11,  /* arg = phase number */
    LS_PHASE_END = 12,
    LS_WATERMARK = 13,    /* every record with a smaller time precedes this one */
    LS_THREAD_EXIT = 14,
};

struct ls_record {
    uint64_t t;      /* CLOCK_MONOTONIC ns */
    uint64_t caller; /* one caller frame */
    uint32_t tid;
    uint32_t id;
    uint8_t op;
    uint8_t flags;
    uint16_t arg;
    uint32_t arg2;
};
_Static_assert(sizeof(struct ls_record) == 32, "record size is part of the file format");

#define LS_FILE_MAGIC "LSCOPEv1"

/* ---- state ---- */

static int g_enabled;            /* tracing on in this process */
static pid_t g_pid;              /* the traced process (children do not trace) */
static int g_events_fd = -1;
static int g_names_fd = -1;
static pthread_mutex_t g_names_mu = PTHREAD_MUTEX_INITIALIZER;
/* The object table's lock: taken to register a new object or mutex (known ones are read without
 * it); its critical sections last tens of ns. */
static atomic_uint g_table_lock;

/* A small lock: one compare-and-swap to take it and one exchange to give it back when nobody
 * waits, a short spin when somebody holds it (critical sections last tens of ns), then a futex
 * sleep. Sleeping matters on a loaded host: a holder preempted for milliseconds (the flusher in
 * write(), a worker descheduled) must not make the others spin and yield all that time, which
 * showed up as the daemon's CPU time. 0 free, 1 held, 2 held with sleepers. */
static inline void ls_lock(atomic_uint *s)
{
    unsigned c = 0;
    if (atomic_compare_exchange_strong_explicit(s, &c, 1, memory_order_acquire, memory_order_relaxed))
        return;
    for (int i = 0; i < 100; i++) {
        __builtin_ia32_pause();
        c = 0;
        if (atomic_load_explicit(s, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_strong_explicit(s, &c, 1, memory_order_acquire, memory_order_relaxed))
            return;
    }
    while (atomic_exchange_explicit(s, 2, memory_order_acquire) != 0)
        syscall(SYS_futex, s, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
}

static inline void ls_unlock(atomic_uint *s)
{
    if (atomic_exchange_explicit(s, 0, memory_order_release) == 2)
        syscall(SYS_futex, s, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static inline void table_lock(void)
{
    ls_lock(&g_table_lock);
}

static inline void table_unlock(void)
{
    ls_unlock(&g_table_lock);
}
static pthread_mutex_t g_threads_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t g_thread_key;
static uint32_t g_next_id = 1;
static atomic_uint g_next_call = 1;
static long g_flush_ns = 200000000L;
static int g_stop_flusher;
static pthread_t g_flusher;

/* Offsets into libvirt 9.0.0 structures (Debian, x86-64); overridable through the environment. */
static long g_off_dom_def = 0x88, g_off_def_name = 0x30;
static long g_off_mgr_drv = 0x40, g_off_drv_name = 0x8;
static long g_off_obj_klass = -16, g_off_lockable_mutex = 24;
static int g_read_names = 1;

#define BUF_RECORDS 1024
struct ls_thread {
    /* Taken by the owning thread for each record, and by the flusher: almost never contended, so
     * ls_lock, inlined, instead of a pthread mutex (two calls and the mutex type's checks). */
    atomic_uint mu;
    uint32_t tid;
    int n;
    int dead;
    char name[17];
    struct ls_thread *next;
    struct ls_record recs[BUF_RECORDS];
};
static struct ls_thread *g_threads;
/* initial-exec: the library is preloaded (static TLS is there for it), so that each access is one
 * instruction instead of a __tls_get_addr call (the default model of -fPIC code): about 15
 * instructions per access, several accesses per event. */
#define LS_TLS __thread __attribute__((tls_model("initial-exec")))
static LS_TLS struct ls_thread *t_self;
static LS_TLS int t_exited;
static LS_TLS int t_inner; /* > 0 while inside one of our lock wrappers: skip nested calls */

/* Locks this thread holds, newest last, with the ids they were recorded under: a release finds
 * its id here instead of in the shared table (a third of the lookups). A lock released by another
 * thread leaves a stale entry, which a newer one of the same address shadows; the oldest entry
 * makes room when the stack is full. */
#define HELD_MAX 16
struct held_lock {
    uintptr_t p;
    uint32_t id;
};
static LS_TLS struct held_lock t_held[HELD_MAX];
static LS_TLS int t_nheld;

static inline void held_push(const void *p, uint32_t id)
{
    if (t_nheld == HELD_MAX) {
        memmove(&t_held[0], &t_held[1], sizeof(t_held[0]) * (HELD_MAX - 1));
        t_nheld--;
    }
    t_held[t_nheld].p = (uintptr_t)p;
    t_held[t_nheld].id = id;
    t_nheld++;
}

/* The id `p` was recorded under when this thread took it (forgotten here), or 0. */
static inline uint32_t held_pop(const void *p)
{
    for (int i = t_nheld - 1; i >= 0; i--) {
        if (t_held[i].p == (uintptr_t)p) {
            uint32_t id = t_held[i].id;
            memmove(&t_held[i], &t_held[i + 1], sizeof(t_held[0]) * (size_t)(t_nheld - 1 - i));
            t_nheld--;
            return id;
        }
    }
    return 0;
}

/* ---- real functions ---- */

#define REAL(name) real_##name
#define DECLARE_REAL(ret, name, ...) static ret (*real_##name)(__VA_ARGS__)

DECLARE_REAL(void, virObjectLock, void *);
DECLARE_REAL(void, virObjectUnlock, void *);
DECLARE_REAL(void, virObjectRWLockRead, void *);
DECLARE_REAL(void, virObjectRWLockWrite, void *);
DECLARE_REAL(void, virObjectRWUnlock, void *);
DECLARE_REAL(void *, virObjectLockGuard, void *);
DECLARE_REAL(void, virMutexLock, void *);
DECLARE_REAL(void *, virLockGuardLock, void *);
DECLARE_REAL(void, virMutexUnlock, void *);
DECLARE_REAL(void, virRWLockRead, void *);
DECLARE_REAL(void, virRWLockWrite, void *);
DECLARE_REAL(void, virRWLockUnlock, void *);
DECLARE_REAL(int, virCondWait, void *, void *);
DECLARE_REAL(int, virCondWaitUntil, void *, void *, unsigned long long);
DECLARE_REAL(int, virDomainObjBeginJob, void *, int);
DECLARE_REAL(int, virDomainObjBeginJobNowait, void *, int);
DECLARE_REAL(int, virDomainObjBeginNestedJob, void *, int);
DECLARE_REAL(int, virDomainObjBeginAgentJob, void *, int);
DECLARE_REAL(int, virDomainObjBeginAsyncJob, void *, int, int, unsigned long);
DECLARE_REAL(void, virDomainObjEndJob, void *);
DECLARE_REAL(void, virDomainObjEndAgentJob, void *);
DECLARE_REAL(void, virDomainObjEndAsyncJob, void *);
DECLARE_REAL(int, virNetServerProgramDispatch, void *, void *, void *, void *);
DECLARE_REAL(const char *, virClassName, void *);

struct module_lookup {
    const char *name;
    void *found;
};

static int lookup_in_module(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct module_lookup *q = data;
    if (q->found || !info->dlpi_name || !strstr(info->dlpi_name, "libvirt_driver_"))
        return 0;
    void *h = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
    if (h) {
        q->found = dlsym(h, q->name);
        dlclose(h);
    }
    return q->found != NULL;
}

/* The next definition of `name`: libvirt.so's, or that of a driver module loaded with
 * RTLD_LOCAL (RTLD_NEXT does not search those); NULL when none is loaded (yet). */
static void *find_definition(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (p)
        return p;
    struct module_lookup q = { name, NULL };
    dl_iterate_phdr(lookup_in_module, &q);
    return q.found;
}

/* As find_definition, for a call that must go somewhere: someone called `name`, so it exists. */
static void *resolve(const char *name)
{
    void *p = find_definition(name);
    if (!p) {
        fprintf(stderr, "lockscope: cannot find the definition of %s\n", name);
        abort();
    }
    return p;
}

/* ---- helpers ---- */

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t gettid_u32(void)
{
    return (uint32_t)syscall(SYS_gettid);
}

static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        len -= (size_t)w;
    }
}

/* Appends `s` to `out` as a JSON string body, keeping only printable ASCII. */
static size_t json_escape(char *out, size_t cap, const char *s, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; s[i] && i < max && n + 7 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            out[n++] = (char)c;
        } else {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        }
    }
    out[n] = 0;
    return n;
}

static void names_line(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    pthread_mutex_lock(&g_names_mu);
    write_all(g_names_fd, line, (size_t)n);
    pthread_mutex_unlock(&g_names_mu);
}

/* A string at `p` is accepted as a name when it is short, NUL-terminated and printable. */
static int printable_name(const char *p, char *out, size_t cap)
{
    if (!p || (uintptr_t)p < 4096)
        return 0;
    size_t i = 0;
    for (; i < cap - 1; i++) {
        char c = p[i];
        if (c == 0)
            break;
        if (c < 0x20 || c > 0x7e)
            return 0;
        out[i] = c;
    }
    if (i == 0 || i == cap - 1)
        return 0;
    out[i] = 0;
    return 1;
}

/* Memory only the traced process uses: not inherited by fork(), so that the daemon's writes to
 * it after each fork (of QEMU, of helpers) do not fault on copy-on-write pages. Children never
 * touch it: recording is off in them from the fork on. */
static void *private_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, size, MADV_DONTFORK);
    return p;
}

/* ---- per-thread buffers ---- */

static void flush_locked(struct ls_thread *th)
{
    if (th->n > 0) {
        write_all(g_events_fd, th->recs, (size_t)th->n * sizeof(struct ls_record));
        th->n = 0;
    }
}

static void emit_thread_name(struct ls_thread *th, const char *name)
{
    char esc[64];
    json_escape(esc, sizeof(esc), name, 16);
    names_line("{\"t\":%u,\"name\":\"%s\"}", th->tid, esc);
}

static void thread_destructor(void *arg)
{
    struct ls_thread *th = arg;
    ls_lock(&th->mu);
    if (th->n < BUF_RECORDS) {
        struct ls_record *r = &th->recs[th->n++];
        memset(r, 0, sizeof(*r));
        r->t = now_ns();
        r->tid = th->tid;
        r->op = LS_THREAD_EXIT;
    }
    flush_locked(th);
    th->dead = 1;
    ls_unlock(&th->mu);
    t_self = NULL;
    t_exited = 1;
}

static struct ls_thread *self_thread(void)
{
    struct ls_thread *th = t_self;
    if (th)
        return th;
    if (t_exited)
        return NULL;
    th = private_alloc(sizeof(*th));
    if (!th)
        return NULL;
    atomic_init(&th->mu, 0);
    th->tid = gettid_u32();
    prctl(PR_GET_NAME, th->name, 0, 0, 0);
    emit_thread_name(th, th->name);
    pthread_mutex_lock(&g_threads_mu);
    th->next = g_threads;
    g_threads = th;
    pthread_mutex_unlock(&g_threads_mu);
    pthread_setspecific(g_thread_key, th);
    t_self = th;
    return th;
}

/* Appends one record stamped with the current time, taken under the thread's buffer lock. */
static uint64_t emit(uint8_t op, uint32_t id, uint8_t flags, uint16_t arg, uint32_t arg2, void *caller)
{
    struct ls_thread *th = self_thread();
    if (!th)
        return 0;
    ls_lock(&th->mu);
    struct ls_record *r = &th->recs[th->n++];
    r->t = now_ns();
    r->caller = (uint64_t)(uintptr_t)caller;
    r->tid = th->tid;
    r->id = id;
    r->op = op;
    r->flags = flags;
    r->arg = arg;
    r->arg2 = arg2;
    uint64_t t = r->t;
    if (th->n == BUF_RECORDS)
        flush_locked(th);
    ls_unlock(&th->mu);
    return t;
}

/* Loaded objects, written to the names file whenever the set changes, so that the decoder can
 * name any caller address as module+offset without a dladdr per address in the daemon. */
static unsigned long long g_modules_seen;

static int write_module(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < lo)
            lo = a;
        if (a + ph->p_memsz > hi)
            hi = a + ph->p_memsz;
    }
    if (hi == 0)
        return 0;
    char esc[1024];
    json_escape(esc, sizeof(esc), info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "(main)", 512);
    names_line("{\"module\":\"%s\",\"base\":\"0x%lx\",\"start\":\"0x%lx\",\"end\":\"0x%lx\"}", esc,
               (unsigned long)info->dlpi_addr, (unsigned long)lo, (unsigned long)hi);
    return 0;
}

static int count_adds(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(unsigned long long *)data = info->dlpi_adds;
    return 1;
}

static void resolve_phases(void);

static void note_modules(void)
{
    unsigned long long adds = 0;
    dl_iterate_phdr(count_adds, &adds);
    if (adds == g_modules_seen)
        return;
    g_modules_seen = adds;
    dl_iterate_phdr(write_module, NULL);
    resolve_phases();
}

static void flush_round(void)
{
    uint64_t watermark = now_ns();
    pthread_mutex_lock(&g_threads_mu);
    struct ls_thread **link = &g_threads;
    while (*link) {
        struct ls_thread *th = *link;
        ls_lock(&th->mu);
        flush_locked(th);
        int dead = th->dead;
        ls_unlock(&th->mu);
        if (dead) {
            *link = th->next;
            munmap(th, sizeof(*th));
            continue;
        }
        link = &th->next;
    }
    pthread_mutex_unlock(&g_threads_mu);
    struct ls_record w = { .t = watermark, .op = LS_WATERMARK };
    write_all(g_events_fd, &w, sizeof(w));
}

static void *flusher_main(void *unused)
{
    (void)unused;
    /* The flusher's own activity is not traced; its name lets its CPU time be told apart. */
    t_exited = 1;
    prctl(PR_SET_NAME, "ls-flush", 0, 0, 0);
    struct timespec period = { .tv_sec = g_flush_ns / 1000000000L, .tv_nsec = g_flush_ns % 1000000000L };
    while (!__atomic_load_n(&g_stop_flusher, __ATOMIC_ACQUIRE)) {
        nanosleep(&period, NULL);
        if (__atomic_load_n(&g_enabled, __ATOMIC_ACQUIRE)) {
            note_modules();
            flush_round();
        }
    }
    return NULL;
}

/* ---- object table: pointer -> lock id, with names written once ---- */

enum ls_entry_kind { ENTRY_FREE = 0, ENTRY_OBJECT = 1, ENTRY_MUTEX = 2, ENTRY_RWLOCK = 3 };
enum ls_job_kind { JOB_NORMAL = 0, JOB_ASYNC = 1, JOB_AGENT = 2 };

struct ls_entry {
    uintptr_t key;  /* set once (under the table lock), read without it */
    uint32_t ver;   /* seqlock of the fields below read without the table lock: odd while written */
    void *klass;
    uint32_t id;
    uint32_t job_id[3];
    uint8_t kind;
    uint8_t is_domain;
    char name[64]; /* domain name for domain objects */
};

#define TABLE_SIZE (1u << 16)
static struct ls_entry *g_table;
static uint32_t g_table_used;

static inline uint32_t hash_ptr(uintptr_t p)
{
    uint64_t x = (uint64_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (uint32_t)x & (TABLE_SIZE - 1);
}

static struct ls_entry *table_find(uintptr_t key, int create)
{
    uint32_t h = hash_ptr(key);
    for (uint32_t i = 0; i < TABLE_SIZE; i++) {
        struct ls_entry *e = &g_table[(h + i) & (TABLE_SIZE - 1)];
        if (e->key == key)
            return e;
        if (e->key == 0) {
            if (!create || g_table_used >= TABLE_SIZE - TABLE_SIZE / 8)
                return NULL;
            g_table_used++;
            __atomic_store_n(&e->key, key, __ATOMIC_RELEASE);
            return e;
        }
    }
    return NULL;
}

/* The entry of `key` without the table lock, or NULL: keys are never removed, so a probe that
 * meets an empty slot has seen every slot the key could be in (a key inserted meanwhile is
 * simply missed, and the caller takes the locked path). */
static inline struct ls_entry *table_peek(uintptr_t key)
{
    uint32_t h = hash_ptr(key);
    for (uint32_t i = 0; i < TABLE_SIZE; i++) {
        struct ls_entry *e = &g_table[(h + i) & (TABLE_SIZE - 1)];
        uintptr_t k = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
        if (k == key)
            return e;
        if (k == 0)
            return NULL;
    }
    return NULL;
}

/* What the fast paths read of an entry, consistently (seqlock); 0 when a writer was at work. */
struct entry_view {
    void *klass;
    uint32_t id;
    uint8_t kind;
    uint8_t is_domain;
};

static inline int entry_read(struct ls_entry *e, struct entry_view *v)
{
    uint32_t v1 = __atomic_load_n(&e->ver, __ATOMIC_ACQUIRE);
    if (v1 & 1)
        return 0;
    v->klass = __atomic_load_n(&e->klass, __ATOMIC_RELAXED);
    v->id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
    v->kind = __atomic_load_n(&e->kind, __ATOMIC_RELAXED);
    v->is_domain = __atomic_load_n(&e->is_domain, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(&e->ver, __ATOMIC_RELAXED) == v1;
}

/* Writers (under the table lock) bracket their changes of klass, id, kind, is_domain with these. */
static inline void entry_write_begin(struct ls_entry *e)
{
    __atomic_store_n(&e->ver, e->ver + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void entry_write_end(struct ls_entry *e)
{
    __atomic_store_n(&e->ver, e->ver + 1, __ATOMIC_RELEASE);
}

static const char *symbol_of(void *addr, char *buf, size_t cap)
{
    Dl_info info;
    if (addr && dladdr(addr, &info)) {
        if (info.dli_sname) {
            snprintf(buf, cap, "%s", info.dli_sname);
            return buf;
        }
        if (info.dli_fname) {
            const char *base = strrchr(info.dli_fname, '/');
            snprintf(buf, cap, "%s+0x%lx", base ? base + 1 : info.dli_fname,
                     (unsigned long)((uintptr_t)addr - (uintptr_t)info.dli_fbase));
            return buf;
        }
    }
    snprintf(buf, cap, "?");
    return buf;
}

/* Names of callers, written once per address so that the decoder can show them. */
#define CALLERS_SIZE (1u << 14)
static uintptr_t g_callers[CALLERS_SIZE];

/* Returns 1 when `caller` is new: the caller then names it with name_caller() once it has
 * released the table lock (dladdr takes the loader lock, which must never nest inside ours). */
static int note_caller_locked(void *caller)
{
    uintptr_t a = (uintptr_t)caller;
    if (!a)
        return 0;
    uint32_t h = hash_ptr(a) & (CALLERS_SIZE - 1);
    for (uint32_t i = 0; i < 64; i++) {
        uintptr_t *slot = &g_callers[(h + i) & (CALLERS_SIZE - 1)];
        if (*slot == a)
            return 0;
        if (*slot == 0) {
            *slot = a;
            return 1;
        }
    }
    return 0;
}

static void name_caller(void *caller)
{
    char sym[256], esc[512];
    json_escape(esc, sizeof(esc), symbol_of(caller, sym, sizeof(sym)), sizeof(sym));
    names_line("{\"sym\":\"0x%lx\",\"name\":\"%s\"}", (unsigned long)(uintptr_t)caller, esc);
}

static const char *class_name(void *obj)
{
    void *klass = *(void **)((char *)obj + g_off_obj_klass);
    if (!klass || !real_virClassName)
        return NULL;
    return real_virClassName(klass);
}

/* Domain name of a virDomainObj, or "" when it has no definition yet; NULL when unreadable. */
static const char *domain_name(void *obj, char *out, size_t cap)
{
    void *def = *(void **)((char *)obj + g_off_dom_def);
    if (!def)
        return "";
    const char *name = *(const char **)((char *)def + g_off_def_name);
    return printable_name(name, out, cap) ? out : NULL;
}

static void write_object_line(struct ls_entry *e, const char *cls, const char *name, void *caller)
{
    char esc_cls[128], esc_name[160];
    json_escape(esc_cls, sizeof(esc_cls), cls ? cls : "?", 64);
    json_escape(esc_name, sizeof(esc_name), name ? name : "", 64);
    names_line("{\"o\":%u,\"kind\":\"%s\",\"class\":\"%s\",\"name\":\"%s\",\"addr\":\"0x%lx\",\"by\":\"0x%lx\"}",
               e->id, e->kind == ENTRY_OBJECT ? "object" : e->kind == ENTRY_RWLOCK ? "rwlock" : "mutex",
               esc_cls, esc_name, (unsigned long)e->key, (unsigned long)(uintptr_t)caller);
}

/* Lock id of a virObject, registering it (and renaming a domain object that got its name). */
static uint32_t object_id(void *obj, void *caller)
{
    if (!obj)
        return 0;
    void *klass = *(void **)((char *)obj + g_off_obj_klass);
    /* Fast path, without the table lock: an object seen before, of the same class, not a domain
     * (whose name is checked under the lock). Most events take it. */
    struct ls_entry *seen = table_peek((uintptr_t)obj);
    struct entry_view v;
    if (seen && entry_read(seen, &v) && v.id && v.kind == ENTRY_OBJECT && v.klass == klass && !v.is_domain)
        return v.id;
    table_lock();
    int new_caller = 0;
    struct ls_entry *e = table_find((uintptr_t)obj, 1);
    if (!e) {
        table_unlock();
        if (new_caller)
            name_caller(caller);
        return 0;
    }
    const char *cls = NULL;
    int fresh = e->id == 0 || e->kind != ENTRY_OBJECT || e->klass != klass;
    char cur[64];
    const char *dname = NULL;
    if (!fresh && e->is_domain && g_read_names) {
        dname = domain_name(obj, cur, sizeof(cur));
        if (dname) {
            if (dname[0] == 0 && e->name[0] != 0)
                fresh = 1; /* a new domain object at a reused address */
            else if (dname[0] != 0 && e->name[0] != 0 && strcmp(dname, e->name) != 0)
                fresh = 1;
            else if (dname[0] != 0 && e->name[0] == 0) {
                snprintf(e->name, sizeof(e->name), "%s", dname);
                char esc[160];
                json_escape(esc, sizeof(esc), dname, 64);
                names_line("{\"rename\":%u,\"name\":\"%s\"}", e->id, esc);
            }
        }
    }
    if (fresh) {
        cls = class_name(obj);
        entry_write_begin(e);
        __atomic_store_n(&e->klass, klass, __ATOMIC_RELAXED);
        __atomic_store_n(&e->kind, ENTRY_OBJECT, __ATOMIC_RELAXED);
        __atomic_store_n(&e->id, g_next_id++, __ATOMIC_RELAXED);
        __atomic_store_n(&e->is_domain, cls && strcmp(cls, "virDomainObj") == 0, __ATOMIC_RELAXED);
        entry_write_end(e);
        memset(e->job_id, 0, sizeof(e->job_id));
        e->name[0] = 0;
        const char *name = "";
        char buf[64];
        if (e->is_domain && g_read_names) {
            dname = domain_name(obj, cur, sizeof(cur));
            if (dname && dname[0]) {
                snprintf(e->name, sizeof(e->name), "%s", dname);
                name = e->name;
            }
        } else if (cls && strcmp(cls, "virSecurityManager") == 0 && g_read_names) {
            void *drv = *(void **)((char *)obj + g_off_mgr_drv);
            const char *dn = drv ? *(const char **)((char *)drv + g_off_drv_name) : NULL;
            if (printable_name(dn, buf, sizeof(buf)))
                name = buf;
        }
        write_object_line(e, cls, name, caller);
    }
    uint32_t id = e->id;
    table_unlock();
    if (new_caller)
        name_caller(caller);
    return id;
}

/* Lock id of a plain virMutex / virRWLock, or of the object whose lock it is. */
static uint32_t mutex_id(void *m, uint8_t kind, void *caller)
{
    /* Fast path, without the table lock: the lock of an object seen before, or a mutex seen before. */
    struct entry_view v;
    struct ls_entry *seen = table_peek((uintptr_t)m - (uintptr_t)g_off_lockable_mutex);
    if (seen && entry_read(seen, &v) && v.kind == ENTRY_OBJECT && v.id)
        return v.id;
    seen = table_peek((uintptr_t)m);
    if (seen && entry_read(seen, &v) && v.kind == kind && v.id)
        return v.id;
    table_lock();
    int new_caller = 0;
    struct ls_entry *e = table_find((uintptr_t)m - (uintptr_t)g_off_lockable_mutex, 0);
    uint32_t id = 0;
    if (e && e->kind == ENTRY_OBJECT && e->id) {
        id = e->id;
        goto out;
    }
    e = table_find((uintptr_t)m, 1);
    if (!e)
        goto out;
    if (e->id == 0 || e->kind != kind) {
        entry_write_begin(e);
        __atomic_store_n(&e->kind, kind, __ATOMIC_RELAXED);
        __atomic_store_n(&e->klass, NULL, __ATOMIC_RELAXED);
        __atomic_store_n(&e->id, g_next_id++, __ATOMIC_RELAXED);
        __atomic_store_n(&e->is_domain, 0, __ATOMIC_RELAXED);
        entry_write_end(e);
        e->name[0] = 0;
        /* Plain mutexes are named by the function that first takes them: resolved once here
         * (dladdr scans symbol tables), every other caller address is left to the decoder. */
        new_caller = note_caller_locked(caller);
        write_object_line(e, kind == ENTRY_RWLOCK ? "virRWLock" : "virMutex", "", caller);
    }
    id = e->id;
out:
    table_unlock();
    if (new_caller)
        name_caller(caller);
    return id;
}

static const char *JOB_KIND_NAMES[3] = { "job", "async-job", "agent-job" };

static uint32_t job_id(void *vm, int job_kind, void *caller)
{
    uint32_t obj = object_id(vm, caller);
    table_lock();
    struct ls_entry *e = table_find((uintptr_t)vm, 0);
    uint32_t id = 0;
    if (e && e->id == obj) {
        if (e->job_id[job_kind] == 0) {
            e->job_id[job_kind] = g_next_id++;
            char esc[160];
            json_escape(esc, sizeof(esc), e->name, 64);
            names_line("{\"job\":%u,\"kind\":\"%s\",\"of\":%u,\"name\":\"%s\"}", e->job_id[job_kind],
                       JOB_KIND_NAMES[job_kind], obj, esc);
        }
        id = e->job_id[job_kind];
    }
    table_unlock();
    return id;
}

/* ---- lifecycle ---- */

static void atfork_child(void)
{
    /* Children (qemu, helpers) are not traced; their copy of the buffers is never written. */
    g_enabled = 0;
}

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    char *end;
    long x = strtol(v, &end, 0);
    return *end ? dflt : x;
}

static int find_libvirt(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    if (info->dlpi_name && strstr(info->dlpi_name, "/libvirt.so")) {
        char *real = realpath(info->dlpi_name, NULL);
        if (real) {
            /* libvirt.so.0.MAJOR*1000+MINOR.MICRO, e.g. libvirt.so.0.9000.0 for 9.0.0 */
            const char *v = strstr(real, "libvirt.so.0.");
            long mm = 0, micro = 0;
            if (v && sscanf(v, "libvirt.so.0.%ld.%ld", &mm, &micro) == 2)
                *(long *)data = mm * 1000 + micro;
            free(real);
        }
        return 1;
    }
    return 0;
}

/* libvirt's version as 1000000 * major + 1000 * minor + micro, from the library's file name; 0 if unknown. */
static long libvirt_version(void)
{
    long version = 0;
    dl_iterate_phdr(find_libvirt, &version);
    return version;
}

__attribute__((constructor)) static void ls_init(void)
{
#define R(name) real_##name = dlsym(RTLD_NEXT, #name)
    R(virObjectLock); R(virObjectUnlock); R(virObjectRWLockRead); R(virObjectRWLockWrite);
    R(virObjectRWUnlock); R(virObjectLockGuard); R(virMutexLock); R(virLockGuardLock); R(virMutexUnlock);
    R(virRWLockRead); R(virRWLockWrite); R(virRWLockUnlock); R(virCondWait); R(virCondWaitUntil);
    R(virDomainObjBeginJob); R(virDomainObjBeginJobNowait); R(virDomainObjBeginNestedJob);
    R(virDomainObjBeginAgentJob); R(virDomainObjBeginAsyncJob); R(virDomainObjEndJob);
    R(virDomainObjEndAgentJob); R(virDomainObjEndAsyncJob); R(virNetServerProgramDispatch);
    R(virClassName);
#undef R
    /* Loaded into a process without libvirt (a wrapper such as setpriv or env on the way to
     * libvirtd): stay out of the way and keep LD_PRELOAD for the program it runs. */
    if (!real_virObjectLock)
        return;
    /* libvirt passes its environment on to qemu and helpers: they must not load us. */
    unsetenv("LD_PRELOAD");
    const char *out = getenv("LOCKSCOPE_TRACE_OUT");
    if (!out || !*out)
        return;
    g_off_dom_def = env_long("LOCKSCOPE_OFFSET_DOMAIN_DEF", g_off_dom_def);
    g_off_def_name = env_long("LOCKSCOPE_OFFSET_DEF_NAME", g_off_def_name);
    g_off_mgr_drv = env_long("LOCKSCOPE_OFFSET_SECMGR_DRV", g_off_mgr_drv);
    g_off_drv_name = env_long("LOCKSCOPE_OFFSET_SECDRV_NAME", g_off_drv_name);
    g_read_names = env_long("LOCKSCOPE_READ_NAMES", 1) != 0;
    /* The default offsets are those of libvirt 9.0.0: with another version and no offsets given,
     * domain and security driver names are not read (objects keep their class names). */
    long version = libvirt_version();
    int offsets_given = getenv("LOCKSCOPE_OFFSET_DOMAIN_DEF") || getenv("LOCKSCOPE_OFFSET_DEF_NAME") ||
                        getenv("LOCKSCOPE_OFFSET_SECMGR_DRV") || getenv("LOCKSCOPE_OFFSET_SECDRV_NAME");
    int names_off_by_version = g_read_names && !offsets_given && version != 9000000;
    if (names_off_by_version)
        g_read_names = 0;
    long flush_ms = env_long("LOCKSCOPE_FLUSH_MS", 200);
    if (flush_ms >= 10 && flush_ms <= 10000)
        g_flush_ns = flush_ms * 1000000L;

    char path[4096];
    snprintf(path, sizeof(path), "%s.events", out);
    g_events_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    snprintf(path, sizeof(path), "%s.names", out);
    g_names_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (g_events_fd < 0 || g_names_fd < 0) {
        fprintf(stderr, "lockscope: cannot open %s.{events,names}: %s; not tracing\n", out, strerror(errno));
        return;
    }
    g_table = private_alloc((size_t)TABLE_SIZE * sizeof(struct ls_entry));
    if (!g_table)
        return;
    pthread_key_create(&g_thread_key, thread_destructor);
    pthread_atfork(NULL, NULL, atfork_child);
    g_pid = getpid();

    /* File header: magic, record size, clock, pid. */
    char header[32] = LS_FILE_MAGIC;
    uint32_t rec_size = sizeof(struct ls_record);
    uint32_t pid = (uint32_t)g_pid;
    uint64_t t0 = now_ns();
    memcpy(header + 8, &rec_size, 4);
    memcpy(header + 12, &pid, 4);
    memcpy(header + 16, &t0, 8);
    write_all(g_events_fd, header, sizeof(header));
    char exe[512] = "", esc[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0)
        exe[n] = 0;
    json_escape(esc, sizeof(esc), exe, sizeof(exe));
    names_line("{\"process\":%u,\"exe\":\"%s\",\"t0\":%llu,\"offsets\":[%ld,%ld,%ld,%ld],\"libvirt\":%ld,\"readNames\":%s}", pid,
               esc, (unsigned long long)t0, g_off_dom_def, g_off_def_name, g_off_mgr_drv, g_off_drv_name, version,
               g_read_names ? "true" : "false");
    if (names_off_by_version)
        fprintf(stderr, "lockscope: libvirt %ld is not 9.0.0: domain names are not read (set LOCKSCOPE_OFFSET_* for this build)\n", version);

    __atomic_store_n(&g_enabled, 1, __ATOMIC_RELEASE);
    if (pthread_create(&g_flusher, NULL, flusher_main, NULL) != 0)
        fprintf(stderr, "lockscope: no flusher thread; events are written when buffers fill\n");
}

__attribute__((destructor)) static void ls_fini(void)
{
    if (!g_enabled || getpid() != g_pid)
        return;
    __atomic_store_n(&g_stop_flusher, 1, __ATOMIC_RELEASE);
    note_modules();
    flush_round();
    /* Later calls (other destructors) are written straight through by their thread's buffer. */
}

static inline int tracing(void)
{
    return __builtin_expect(g_enabled, 1) && t_inner == 0 && !t_exited;
}

/* ---- interposed lock API ---- */

#define CALLER __builtin_return_address(0)

LS_EXPORT void virObjectLock(void *obj)
{
    if (!tracing()) {
        REAL(virObjectLock)(obj);
        return;
    }
    void *caller = CALLER;
    uint32_t id = object_id(obj, caller);
    emit(LS_LOCK_REQUEST, id, 0, 0, 0, caller);
    t_inner++;
    REAL(virObjectLock)(obj);
    t_inner--;
    emit(LS_LOCK_ACQUIRED, id, 0, 0, 0, caller);
    held_push(obj, id);
}

LS_EXPORT void virObjectUnlock(void *obj)
{
    if (!tracing()) {
        REAL(virObjectUnlock)(obj);
        return;
    }
    void *caller = CALLER;
    uint32_t id = held_pop(obj);
    if (!id)
        id = object_id(obj, caller);
    emit(LS_LOCK_RELEASED, id, 0, 0, 0, caller);
    t_inner++;
    REAL(virObjectUnlock)(obj);
    t_inner--;
}

LS_EXPORT void *virObjectLockGuard(void *obj)
{
    if (!tracing())
        return REAL(virObjectLockGuard)(obj);
    void *caller = CALLER;
    uint32_t id = object_id(obj, caller);
    emit(LS_LOCK_REQUEST, id, 0, 0, 0, caller);
    t_inner++;
    void *guard = REAL(virObjectLockGuard)(obj);
    t_inner--;
    emit(LS_LOCK_ACQUIRED, id, 0, 0, 0, caller);
    held_push(obj, id);
    return guard;
}

LS_EXPORT void virObjectRWLockRead(void *obj)
{
    if (!tracing()) {
        REAL(virObjectRWLockRead)(obj);
        return;
    }
    void *caller = CALLER;
    uint32_t id = object_id(obj, caller);
    emit(LS_LOCK_REQUEST, id, 1, 0, 0, caller);
    t_inner++;
    REAL(virObjectRWLockRead)(obj);
    t_inner--;
    emit(LS_LOCK_ACQUIRED, id, 1, 0, 0, caller);
    held_push(obj, id);
}

LS_EXPORT void virObjectRWLockWrite(void *obj)
{
    if (!tracing()) {
        REAL(virObjectRWLockWrite)(obj);
        return;
    }
    void *caller = CALLER;
    uint32_t id = object_id(obj, caller);
    emit(LS_LOCK_REQUEST, id, 0, 0, 0, caller);
    t_inner++;
    REAL(virObjectRWLockWrite)(obj);
    t_inner--;
    emit(LS_LOCK_ACQUIRED, id, 0, 0, 0, caller);
    held_push(obj, id);
}

LS_EXPORT void virObjectRWUnlock(void *obj)
{
    if (!tracing()) {
        REAL(virObjectRWUnlock)(obj);
        return;
    }
    void *caller = CALLER;
    uint32_t id = held_pop(obj);
    if (!id)
        id = object_id(obj, caller);
    emit(LS_LOCK_RELEASED, id, 0, 0, 0, caller);
    t_inner++;
    REAL(virObjectRWUnlock)(obj);
    t_inner--;
}

LS_EXPORT void virMutexLock(void *m)
{
    if (!tracing()) {
        REAL(virMutexLock)(m);
        return;
    }
    void *caller = CALLER;
    uint32_t id = mutex_id(m, ENTRY_MUTEX, caller);
    emit(LS_LOCK_REQUEST, id, 0, 0, 0, caller);
    t_inner++;
    REAL(virMutexLock)(m);
    t_inner--;
    emit(LS_LOCK_ACQUIRED, id, 0, 0, 0, caller);
    held_push(m, id);
}

/* VIR_LOCK_GUARD: interposed so that the caller frame is the function taking the lock (for
 * example virQEMUDriverGetConfig for the QEMU driver's mutex), not the guard helper. */
LS_EXPORT void *virLockGuardLock(void *m)
{
    if (!tracing())
        return REAL(virLockGuardLock)(m);
    void *caller = CALLER;
    uint32_t id = mutex_id(m, ENTRY_MUTEX, caller);
    emit(LS_LOCK_REQUEST, id, 0, 0, 0, caller);
    t_inner++;
    void *guard = REAL(virLockGuardLock)(m);
    t_inner--;
    emit(LS_LOCK_ACQUIRED, id, 0, 0, 0, caller);
    held_push(m, id);
    return guard;
}

LS_EXPORT void virMutexUnlock(void *m)
{
    if (!tracing()) {
        REAL(virMutexUnlock)(m);
        return;
    }
    void *caller = CALLER;
    uint32_t id = held_pop(m);
    if (!id)
        id = mutex_id(m, ENTRY_MUTEX, caller);
    emit(LS_LOCK_RELEASED, id, 0, 0, 0, caller);
    t_inner++;
    REAL(virMutexUnlock)(m);
    t_inner--;
}

LS_EXPORT void virRWLockRead(void *m)
{
    if (!tracing()) {
        REAL(virRWLockRead)(m);
        return;
    }
    void *caller = CALLER;
    uint32_t id = mutex_id(m, ENTRY_RWLOCK, caller);
    emit(LS_LOCK_REQUEST, id, 1, 0, 0, caller);
    t_inner++;
    REAL(virRWLockRead)(m);
    t_inner--;
    emit(LS_LOCK_ACQUIRED, id, 1, 0, 0, caller);
    held_push(m, id);
}

LS_EXPORT void virRWLockWrite(void *m)
{
    if (!tracing()) {
        REAL(virRWLockWrite)(m);
        return;
    }
    void *caller = CALLER;
    uint32_t id = mutex_id(m, ENTRY_RWLOCK, caller);
    emit(LS_LOCK_REQUEST, id, 0, 0, 0, caller);
    t_inner++;
    REAL(virRWLockWrite)(m);
    t_inner--;
    emit(LS_LOCK_ACQUIRED, id, 0, 0, 0, caller);
    held_push(m, id);
}

LS_EXPORT void virRWLockUnlock(void *m)
{
    if (!tracing()) {
        REAL(virRWLockUnlock)(m);
        return;
    }
    void *caller = CALLER;
    uint32_t id = held_pop(m);
    if (!id)
        id = mutex_id(m, ENTRY_RWLOCK, caller);
    emit(LS_LOCK_RELEASED, id, 0, 0, 0, caller);
    t_inner++;
    REAL(virRWLockUnlock)(m);
    t_inner--;
}

LS_EXPORT int virCondWait(void *c, void *m)
{
    if (!tracing())
        return REAL(virCondWait)(c, m);
    void *caller = CALLER;
    uint32_t id = mutex_id(m, ENTRY_MUTEX, caller);
    emit(LS_COND_WAIT, id, 0, 0, 0, caller);
    int ret = REAL(virCondWait)(c, m);
    emit(LS_COND_WOKEN, id, 0, 0, (uint32_t)ret, caller);
    return ret;
}

LS_EXPORT int virCondWaitUntil(void *c, void *m, unsigned long long whenms)
{
    if (!tracing())
        return REAL(virCondWaitUntil)(c, m, whenms);
    void *caller = CALLER;
    uint32_t id = mutex_id(m, ENTRY_MUTEX, caller);
    emit(LS_COND_WAIT, id, 0, 0, 0, caller);
    int ret = REAL(virCondWaitUntil)(c, m, whenms);
    emit(LS_COND_WOKEN, id, 0, 0, (uint32_t)ret, caller);
    return ret;
}

/* ---- domain jobs ---- */

#define JOB_BEGIN(kind, call)                                      \
    do {                                                           \
        if (!tracing())                                            \
            return call;                                           \
        void *caller = CALLER;                                     \
        uint32_t id = job_id(obj, kind, caller);                   \
        emit(LS_JOB_REQUEST, id, 0, kind, 0, caller);              \
        int ret = call;                                            \
        emit(LS_JOB_ACQUIRED, id, 0, kind, (uint32_t)ret, caller); \
        return ret;                                                \
    } while (0)

#define JOB_END(kind, call)                           \
    do {                                              \
        if (!tracing()) {                             \
            call;                                     \
            return;                                   \
        }                                             \
        void *caller = CALLER;                        \
        uint32_t id = job_id(obj, kind, caller);      \
        call;                                         \
        emit(LS_JOB_RELEASED, id, 0, kind, 0, caller); \
    } while (0)

LS_EXPORT int virDomainObjBeginJob(void *obj, int job)
{
    JOB_BEGIN(JOB_NORMAL, REAL(virDomainObjBeginJob)(obj, job));
}

LS_EXPORT int virDomainObjBeginJobNowait(void *obj, int job)
{
    JOB_BEGIN(JOB_NORMAL, REAL(virDomainObjBeginJobNowait)(obj, job));
}

LS_EXPORT int virDomainObjBeginNestedJob(void *obj, int asyncJob)
{
    JOB_BEGIN(JOB_NORMAL, REAL(virDomainObjBeginNestedJob)(obj, asyncJob));
}

LS_EXPORT int virDomainObjBeginAgentJob(void *obj, int agentJob)
{
    JOB_BEGIN(JOB_AGENT, REAL(virDomainObjBeginAgentJob)(obj, agentJob));
}

LS_EXPORT int virDomainObjBeginAsyncJob(void *obj, int asyncJob, int operation, unsigned long apiFlags)
{
    JOB_BEGIN(JOB_ASYNC, REAL(virDomainObjBeginAsyncJob)(obj, asyncJob, operation, apiFlags));
}

LS_EXPORT void virDomainObjEndJob(void *obj)
{
    JOB_END(JOB_NORMAL, REAL(virDomainObjEndJob)(obj));
}

LS_EXPORT void virDomainObjEndAgentJob(void *obj)
{
    JOB_END(JOB_AGENT, REAL(virDomainObjEndAgentJob)(obj));
}

LS_EXPORT void virDomainObjEndAsyncJob(void *obj)
{
    JOB_END(JOB_ASYNC, REAL(virDomainObjEndAsyncJob)(obj));
}

/* ---- RPC dispatch: one API span per call a worker serves ---- */

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* First XDR string argument of the call: a domain name, or the <name> inside an XML document. */
static void call_subject(void *msg, char *out, size_t cap)
{
    out[0] = 0;
    const unsigned char *buf = *(const unsigned char **)((char *)msg + 8);
    size_t len = *(size_t *)((char *)msg + 16);
    if (!buf || len < 32 || len > (1u << 26))
        return;
    const unsigned char *payload = buf + 28; /* 4-byte length + 6 header words */
    uint32_t slen = be32(payload);
    if (slen == 0 || slen > len - 32)
        return;
    const char *s = (const char *)payload + 4;
    if (s[0] == '<') {
        const char *end = s + slen;
        const char *p = memmem(s, slen, "<name>", 6);
        if (!p)
            return;
        p += 6;
        const char *q = memmem(p, (size_t)(end - p), "</name>", 7);
        if (!q || (size_t)(q - p) >= cap)
            return;
        memcpy(out, p, (size_t)(q - p));
        out[q - p] = 0;
    } else if (slen < cap) {
        for (uint32_t i = 0; i < slen; i++)
            if (s[i] < 0x20 || s[i] > 0x7e)
                return;
        memcpy(out, s, slen);
        out[slen] = 0;
    }
}

LS_EXPORT int virNetServerProgramDispatch(void *prog, void *server, void *client, void *msg)
{
    if (!tracing() || !msg)
        return REAL(virNetServerProgramDispatch)(prog, server, client, msg);
    void *caller = CALLER;
    uint32_t program = *(uint32_t *)((char *)msg + 32);
    uint32_t proc = *(uint32_t *)((char *)msg + 40);
    uint16_t prog_code = program == 0x20008086u ? 1 : program == 0x20008087u ? 2 : program == 0x20008088u ? 3 : 0;
    uint32_t call = atomic_fetch_add(&g_next_call, 1);
    char subject[64];
    subject[0] = 0;
    /* The buffer is only read when the header fields look like libvirt's (a known program): with
     * another layout of virNetMessage the pointer at offset 8 could be anything. */
    if (prog_code != 0 && proc < 100000) {
        const unsigned char *buf = *(const unsigned char **)((char *)msg + 8);
        if (buf && be32(buf + 12) == proc)
            call_subject(msg, subject, sizeof(subject));
    }
    if (subject[0]) {
        char esc[160];
        json_escape(esc, sizeof(esc), subject, 64);
        names_line("{\"call\":%u,\"subject\":\"%s\"}", call, esc);
    }
    emit(LS_API_BEGIN, call, 0, prog_code, proc, caller);
    int ret = REAL(virNetServerProgramDispatch)(prog, server, client, msg);
    emit(LS_API_END, call, 0, prog_code, (uint32_t)ret, caller);
    return ret;
}

/* ---- work phases: a few driver functions with at most six integer arguments ---- */

#define PHASE(num, name)                                                                            \
    static intptr_t (*real_##name)(intptr_t, intptr_t, intptr_t, intptr_t, intptr_t, intptr_t);   \
    static void resolve_##name(void)                                                                \
    {                                                                                               \
        if (!real_##name)                                                                           \
            real_##name = find_definition(#name);                                                   \
    }                                                                                               \
    LS_EXPORT intptr_t name(intptr_t a, intptr_t b, intptr_t c, intptr_t d, intptr_t e, intptr_t f) \
    {                                                                                               \
        if (!real_##name)                                                                           \
            real_##name = resolve(#name);                                                           \
        if (!tracing())                                                                             \
            return real_##name(a, b, c, d, e, f);                                                   \
        emit(LS_PHASE_BEGIN, 0, 0, num, 0, CALLER);                                                 \
        intptr_t r = real_##name(a, b, c, d, e, f);                                                 \
        emit(LS_PHASE_END, 0, 0, num, 0, CALLER);                                                   \
        return r;                                                                                   \
    }

/* Numbers are part of the format: see PHASES in src/format.ts. */
PHASE(1, qemuProcessInit)
PHASE(2, qemuProcessStop)
PHASE(3, qemuProcessKill)
PHASE(4, qemuProcessStartCPUs)
/* qemuMonitorSend(mon, msg): a QMP command. The phase carries the command's name, read from
 * msg->txBuffer (offset 8 in 9.0.0's qemuMonitorMessage) when it looks like a QMP command
 * ({"execute":"NAME"...}); names are interned once each in the names file. */
static intptr_t (*real_qemuMonitorSend)(intptr_t, intptr_t, intptr_t, intptr_t, intptr_t, intptr_t);
static void resolve_qemuMonitorSend(void)
{
    if (!real_qemuMonitorSend)
        real_qemuMonitorSend = find_definition("qemuMonitorSend");
}

#define QMP_NAMES 256
static char g_qmp_names[QMP_NAMES][48];
static uint32_t g_qmp_count;

static uint32_t qmp_command_id(const void *msg)
{
    const char *tx = *(const char *const *)((const char *)msg + 8);
    if (!tx || (uintptr_t)tx < 4096 || tx[0] != '{')
        return 0;
    const char *p = strstr(tx, "\"execute\"");
    if (!p || p - tx > 16)
        return 0;
    p = strchr(p + 9, '"');
    if (!p)
        return 0;
    p++;
    char name[48];
    size_t n = 0;
    while (p[n] && p[n] != '"' && n < sizeof(name) - 1) {
        char c = p[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
        name[n] = c;
        n++;
    }
    if (n == 0 || p[n] != '"')
        return 0;
    name[n] = 0;
    table_lock();
    uint32_t id = 0;
    for (uint32_t i = 0; i < g_qmp_count; i++)
        if (strcmp(g_qmp_names[i], name) == 0) {
            id = i + 1;
            break;
        }
    int fresh = 0;
    if (id == 0 && g_qmp_count < QMP_NAMES) {
        memcpy(g_qmp_names[g_qmp_count], name, n + 1);
        id = ++g_qmp_count;
        fresh = 1;
    }
    table_unlock();
    if (fresh)
        names_line("{\"qmp\":%u,\"name\":\"%s\"}", id, name);
    return id;
}

LS_EXPORT intptr_t qemuMonitorSend(intptr_t mon, intptr_t msg, intptr_t c, intptr_t d, intptr_t e, intptr_t f)
{
    if (!real_qemuMonitorSend)
        real_qemuMonitorSend = resolve("qemuMonitorSend");
    if (!tracing())
        return real_qemuMonitorSend(mon, msg, c, d, e, f);
    uint32_t cmd = msg ? qmp_command_id((const void *)msg) : 0;
    emit(LS_PHASE_BEGIN, cmd, 0, 5, 0, CALLER);
    intptr_t r = real_qemuMonitorSend(mon, msg, c, d, e, f);
    emit(LS_PHASE_END, cmd, 0, 5, 0, CALLER);
    return r;
}
PHASE(6, virCommandRun)
PHASE(7, qemuSecuritySetAllLabel)
PHASE(8, qemuSecurityRestoreAllLabel)
PHASE(9, virSecurityManagerGenLabel)
PHASE(10, virDomainObjListAdd)

/* Called by the flusher whenever objects were loaded: the definitions are looked up there, not
 * on first use, which could be in a child forked while another thread held the loader lock. */
static void resolve_phases(void)
{
    resolve_qemuProcessInit();
    resolve_qemuProcessStop();
    resolve_qemuProcessKill();
    resolve_qemuProcessStartCPUs();
    resolve_qemuMonitorSend();
    resolve_virCommandRun();
    resolve_qemuSecuritySetAllLabel();
    resolve_qemuSecurityRestoreAllLabel();
    resolve_virSecurityManagerGenLabel();
    resolve_virDomainObjListAdd();
}
