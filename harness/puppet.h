/* puppet.h: the worker process behind each scenario process: it performs
 * one request at a time, sent by the coordinator over its channel, and
 * answers with the raw result.
 * Must not: be called by anything but the puppet executor (fork) and main
 * (exec). */
#ifndef SVIPC_PUPPET_H
#define SVIPC_PUPPET_H

#include "backend.h"

#include <stdint.h>

/* The address window a puppet keeps free for shmat at known addresses. */
#define PUPPET_WINDOW_SPAN (256u << 20)

/* Where /proc cannot tell that a process sleeps inside a call (gVisor), a
 * puppet says so itself: "entering OP" before a call that may block, and
 * "out" after it, in memory its coordinator shares (target.h's mark). */
struct puppet_mark {
    int32_t pid;                       /* the puppet's, 0: free */
    int32_t op;                        /* enum op of the call it is in */
    uint32_t in_call;
    uint32_t pad;
};
#define PUPPET_MARKS 64                /* a scenario's processes, and room */

/* A new puppet (started by the runner, or exec'd): the backend's set-up,
 * the hello, then requests on CHANNEL through BACKEND until the channel
 * closes.  BASE is the window: RESERVED (PROT_NONE, inherited from the
 * runner), or to be reserved here (0: anywhere).  A backend that cannot
 * start, or no room for the window, ends the process (the engine reports
 * it).  MARKS: the shared marks (PUPPET_MARKS of them), or NULL.  Never
 * returns. */
_Noreturn void puppet_main(int channel, const struct backend *backend, uintptr_t base, int reserved,
                           struct puppet_mark *marks);

/* Whether SIG ends a puppet.  SIGUSR1 and SIGUSR2 have handlers (without
 * SA_RESTART, so a blocked call returns EINTR); the others keep their
 * default action.  The model's simulated processes follow the same rule. */
int puppet_signal_is_fatal(int sig);

#endif
