/* abi.h: the layouts of System V IPC's structures on each architecture a
 * puppet may run on (x86_64, aarch64, armhf, i386), as the kernel and the C
 * library exchange them (the IPC_64 layouts, time_high words included), so
 * that the coordinator decodes what a puppet of any architecture returned.
 * Bytes of a structure that no field covers are padding or reserved words:
 * Linux zero-fills them.
 * Must not: depend on this program's own structures (they are one ABI's). */
#ifndef SVIPC_ABI_H
#define SVIPC_ABI_H

#include "ops.h"

#include <stddef.h>
#include <stdint.h>

enum abi_id { ABI_X86_64, ABI_AARCH64, ABI_ARMHF, ABI_I386, ABI_COUNT };

/* _OLD: the structures of a ctl command without IPC_64, where ipc(2)
 * exists (include/uapi/linux/{ipc,msg,sem,shm}.h: 16-bit ids, 16-bit
 * counts); empty (size 0) elsewhere. */
enum abi_struct_id { ABI_MSQID, ABI_SEMID, ABI_SHMID, ABI_MSGINFO, ABI_SEMINFO, ABI_SHMINFO, ABI_SHM_INFO,
                     ABI_MSQID_OLD, ABI_SEMID_OLD, ABI_SHMID_OLD, ABI_SHMINFO_OLD, ABI_STRUCTS };

#define ABI_MAX_FIELDS 20

struct abi_field {
    const char *name;        /* as the trace names it */
    uint8_t off, size;
    uint8_t is_signed;
    enum field_type type;
};

struct abi_struct {
    uint16_t size;
    uint8_t nfields;
    struct abi_field field[ABI_MAX_FIELDS];
};

struct abi {
    const char *name;        /* "x86_64" */
    unsigned long_size;      /* of a message's type */
    int has_ipc;             /* the ipc(2) multiplexer exists (i386), so do the old layouts (_OLD) */
    struct abi_struct s[ABI_STRUCTS];
};

/* The structure a ctl command CMD of OP (msgctl, semctl, shmctl) fills or
 * reads; OLD: the layouts of a command without IPC_64. */
enum abi_struct_id abi_ctl_struct(enum op op, int cmd, int old);

/* The layout of ID, or of NAME (NULL: none such). */
const struct abi *abi_by_id(int id);
const struct abi *abi_by_name(const char *name);
/* The ABI this program is built for. */
enum abi_id abi_native(void);

/* Field F of a structure at DATA, as a number; written (truncated to its size). */
long abi_read(const unsigned char *data, const struct abi_field *f);
void abi_write(unsigned char *data, const struct abi_field *f, long value);
/* The field of ST called NAME, or NULL. */
const struct abi_field *abi_field(const struct abi_struct *st, const char *name);

#endif
