/* wire.h: the messages between the coordinator and a puppet, one
 * SOCK_SEQPACKET datagram each: a fixed header, then DATA_LEN bytes.
 * Must not: carry pointers; everything is resolved values. */
#ifndef SVIPC_WIRE_H
#define SVIPC_WIRE_H

#include <stdint.h>
#include <sys/types.h>

#define WIRE_MAX_DATA  (256 * 1024)
#define WIRE_ARGS      8

#define WIRE_NULL_BUFFER 1   /* request flag: pass NULL as the call's buffer (buf=null) */
/* request flags: the call made through ipc(2) (via=ipc), its ctl command
 * without IPC_64 (via=ipc-old: the old structures), or as the call's
 * version 1 (via=ipc-v1: msgrcv without the kludge, shmat's iBCS2 entry) */
#define WIRE_VIA_IPC     2
#define WIRE_IPC_OLD     4
#define WIRE_IPC_V1      8

struct wire_request {
    uint32_t op;              /* enum op */
    uint32_t data_len;
    uint32_t flags;           /* WIRE_NULL_BUFFER, WIRE_VIA_IPC ... */
    uint32_t reserved;
    int64_t arg[WIRE_ARGS];   /* resolved positional and keyword values */
    /* then: data (message text, bytes to write, path, sembufs, list) */
};

enum reply_kind {
    REPLY_DONE = 1,           /* the call returned: ret, err, data */
    REPLY_FAULT,              /* a memory step faulted: ret = signal */
    REPLY_HELLO,              /* a new puppet (fork child, exec) is ready */
    REPLY_NO_WINDOW,          /* a new image found the window taken: exec it again */
};

struct wire_reply {
    uint32_t kind;            /* enum reply_kind */
    int32_t err;              /* errno when ret == -1 */
    int64_t ret;
    int32_t pid;              /* HELLO: getpid() as the puppet sees it */
    uint32_t data_len;
    uint32_t wrote;           /* a failed call: bytes of its buffer it changed */
    uint32_t beyond;          /* a call that returned: bytes changed past what it returned */
    uint32_t abi;             /* HELLO: the puppet's layouts (enum abi_id) */
    uint32_t reserved;
    uint64_t base;            /* HELLO: the address window the puppet keeps free for shmat */
    /* then: data out (message, struct, bytes read, text) */
};

/* Send one message: header and payload (NULL/0 for none), and optionally a
 * file descriptor.  0 or -1 with errno. */
int wire_send(int sock, const void *head, size_t head_len,
              const void *data, size_t data_len, int pass_fd);
/* Receive one message into BUF (at most SIZE bytes); a passed descriptor
 * goes to *FD (or -1), the sender's pid as the receiver sees it to *PID when
 * PID is not NULL and credentials are on.  Bytes, 0 at end, or -1. */
ssize_t wire_recv(int sock, void *buf, size_t size, int *fd, pid_t *pid);

#endif
