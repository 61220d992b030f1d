/* scenario.h: the scenario data model, the output of the parser and the input
 * of the engine.  A scenario is data: processes, steps, expectations.
 * Must not: know how a step is executed or which backend runs it. */
#ifndef SVIPC_SCENARIO_H
#define SVIPC_SCENARIO_H

#include <stddef.h>

#define MAX_PROCS      16   /* processes in one scenario, forked ones included */
#define MAX_VARS       32   /* $names bound in one scenario */
#define MAX_TERMS      8    /* terms in one value expression */
#define MAX_ARGS       6    /* positional value arguments of one step */
#define MAX_SOPS       64   /* sembuf entries written in one semop step */
#define MAX_KEYWORDS   8    /* name=value arguments of one step */
#define MAX_FIELD_EXPECT 24 /* name=value expectations of one step */
#define MAX_DATA       (1 << 18) /* bytes of one data argument: what a step can carry (wire.h) */

/* What a step does.  Puppet operations first, coordinator directives last. */
enum op {
    OP_MSGGET, OP_MSGSND, OP_MSGRCV, OP_MSGCTL,
    OP_SEMGET, OP_SEMOP, OP_SEMTIMEDOP, OP_SEMCTL,
    OP_SHMGET, OP_SHMAT, OP_SHMDT, OP_SHMCTL,
    OP_FTOK, OP_WRITE, OP_READ,
    OP_FORK, OP_EXEC, OP_EXIT, OP_KILL, OP_WAIT,
    OP_SETUID, OP_SETGID, OP_SETEUID, OP_SETEGID, OP_SETGROUPS, OP_CAPDROP,
    OP_SYSCTL, OP_SYSVIPC,
    OP_TOOL,           /* PROC: tool ipcs -q  -- a util-linux program run as PROC */
    OP_UNSHARE,        /* PROC: unshare ipc -- a new IPC namespace of its own */
    OP_RESUMES,        /* PROC: resumes  -- the outcome of its blocked step   */
    OP_BLOCKED,        /* PROC: blocked  -- assert it is still blocked        */
    OP_TICK,           /* PROC: tick  -- wait for the wall clock's next second */
    /* coordinator directives (no process prefix) */
    OP_SIGNAL,         /* signal PROC SIG: the coordinator sends a signal     */
    OP_REAP,           /* wait PROC: the coordinator reaps a top-level process */
    OP_FILE,           /* file NAME: a scratch file, its path bound to $NAME  */
    OP_COUNT
};

/* A value expression: terms joined left to right by '|', '+' or '-'. */
enum term_kind { TERM_LITERAL, TERM_VAR, TERM_BASE };
struct term {
    char op;                 /* '|', '+', '-'; the first term has '+' */
    enum term_kind kind;
    long value;              /* TERM_LITERAL */
    int var;                 /* TERM_VAR: index into scenario vars */
};
struct expr {
    int nterms;              /* 0: argument absent */
    struct term *term;       /* nterms, allocated to size (catalogs are large, and forked often) */
};

struct bytes {
    unsigned char *ptr;
    size_t len;
};

struct sop_spec {            /* one sembuf: num:op[:flags] */
    struct expr num, op, flg;
};

struct keyword {             /* name=value argument (IPC_SET fields, size=, nsops=, timeout=) */
    const char *name;
    struct expr value;
    int is_null;             /* timeout=null */
    long value2;             /* timeout=S:NS keeps NS here */
};

enum expect_kind {
    EXPECT_SUCCESS,          /* default when no '=>' is written: must not fail */
    EXPECT_ANY,              /* '=> any': record only */
    EXPECT_RET,              /* '=> 5', '=> $q' */
    EXPECT_RET_WORD,         /* '=> B', '=> msq#0': the normalised return value */
    EXPECT_ERRNO,            /* '=> EINVAL' */
    EXPECT_BLOCKS,           /* '=> blocks' */
    EXPECT_FAULT,            /* '=> SIGSEGV' on a memory step */
};

struct field_expect {
    const char *name;
    const char *text;        /* as written, for messages */
    int is_number;           /* value compared numerically ... */
    struct expr number;
    int is_bytes;            /* ... or as bytes (text="...") ... */
    struct bytes bytes;      /* ... or else as the normalised word (B, set, 0) */
};

struct expect {
    enum expect_kind kind;
    struct expr ret;         /* EXPECT_RET */
    const char *word;        /* EXPECT_RET_WORD */
    int value;               /* errno for EXPECT_ERRNO, signal for EXPECT_FAULT */
    int nfields;
    struct field_expect *field;  /* nfields, allocated to size */
    const char *text;        /* the expectation as written */
};

struct step {
    int line;                /* source line */
    const char *source;      /* the step as written (after substitution) */
    int proc;                /* actor; -1 for directives */
    enum op op;
    int target;              /* process named by fork/kill/wait/signal/resumes */
    int nargs;
    struct expr arg[MAX_ARGS];
    struct bytes data;       /* msgsnd text, write bytes, ftok path */
    int has_data;
    int data_var;            /* ftok $file: a string variable, or -1 */
    int nsops;
    struct sop_spec *sop;    /* nsops, allocated to size */
    int nlist;               /* SETALL values, setgroups list */
    long *list;
    int nkeywords;
    struct keyword *keyword; /* nkeywords, allocated to size */
    const char *word;        /* sysctl name, sysvipc table, capability list */
    const char *word_value;  /* sysctl value to write (NULL: read) */
    int nargv;               /* tool: the program and its arguments, as written ... */
    const char **argv;
    struct expr *argv_value; /* ... each a value ($q, $k+1) when nterms, else the word */
    struct expect expect;
    int bind;                /* -> $var, or -1 */
    const char *bind_field;  /* -> $var=FIELD: the field's raw value, else the return value */
};

struct scenario {
    char *name;              /* instance name: stable, parameters included */
    char *file;              /* source file (one copy for a file's instances) */
    int line;                /* line of 'scenario' */
    char *doc;
    char *only_backend;      /* 'only kernel,model REASON': the backends that can run it */
    char *only_reason;
    char *needs_host_root;   /* 'needs host-root REASON': why the kernel backend needs capabilities
                              * of the initial user namespace (a rootless run skips it), or NULL */
    int nprocs;              /* declared and forked processes */
    int ninitial;            /* processes present at the start */
    char *proc_name[MAX_PROCS];
    int nvars;
    char *var_name[MAX_VARS];
    int nsteps;
    struct step *steps;
    long step_deadline_ms;   /* 0: the run's default */
    long scenario_deadline_ms;
    int needs_block_detection;
    int needs_ipc_multiplexer; /* a step says via=ipc...: only where ipc(2) exists */
};

struct catalog_index;         /* names -> items, kept by catalog.c */
struct region;

/* A catalog: zero it to start, catalog_free (catalog.h) to give it back. */
struct catalog {
    int count;
    struct scenario *items;
    struct catalog_index *index; /* a lookup cache over items; may be NULL */
    struct region *memory;       /* what the items are made of */
};

/* The name of an operation as written in scenarios ("msgrcv"). */
const char *op_name(enum op op);

/* Look up a keyword argument of a step; NULL when absent. */
const struct keyword *step_keyword(const struct step *step, const char *name);

/* Index of process NAME in S, or -1. */
int scenario_proc(const struct scenario *s, const char *name);

#endif
