/* puppet.h: the worker process behind each scenario process.
 * Must not: be called by anything but the engine (fork) and main (exec). */
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

#endif
