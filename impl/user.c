/* user.c: the caller's memory as the model sees it.  A call's buffer of
 * NULL stands for memory the caller cannot reach, so that the order of
 * EFAULT among a call's checks is part of the specification.
 * Must not: touch any memory but the buffers it is given. */
#include "model_ns.h"

#include <errno.h>
#include <string.h>

long model_copy_out(void *user, const void *data, size_t size, long ret)
{
    if (ret < 0)
        return ret;
    if (!user)
        return -EFAULT;                 /* copy_to_user after the work is done */
    memcpy(user, data, size);
    return ret;
}
