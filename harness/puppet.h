/* puppet.h: the worker process behind each scenario process: it performs
 * one request at a time, sent by the coordinator over its channel, and
 * answers with the raw result.
 * Must not: be called by anything but the puppet executor (fork) and main
 * (exec). */
#ifndef SVIPC_PUPPET_H
#define SVIPC_PUPPET_H

#include "backend.h"

/* Serve requests on CHANNEL through BACKEND until the channel closes.
 * Never returns. */
_Noreturn int puppet_run(int channel, const struct backend *backend);

/* Announce a new puppet (after fork or exec) on CHANNEL. */
int puppet_hello(int channel);

/* A new top-level or exec'd puppet: the backend's set-up, then the hello;
 * a backend that cannot start ends the process (the engine reports it). */
void puppet_start(int channel, const struct backend *backend);

/* Whether SIG ends a puppet.  SIGUSR1 and SIGUSR2 have handlers (without
 * SA_RESTART, so a blocked call returns EINTR); the others keep their
 * default action.  The model's simulated processes follow the same rule. */
int puppet_signal_is_fatal(int sig);

#endif
