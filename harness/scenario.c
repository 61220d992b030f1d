/* scenario.c: the helpers scenario.h declares, over the scenario data.
 * Must not: parse or run anything. */
#include "scenario.h"

#include "ops.h"

#include <string.h>

const char *op_name(enum op op)
{
    return op_desc(op)->name;
}

const struct keyword *step_keyword(const struct step *step, const char *name)
{
    for (int i = 0; i < step->nkeywords; i++)
        if (strcmp(step->keyword[i].name, name) == 0)
            return &step->keyword[i];
    return NULL;
}

int scenario_proc(const struct scenario *s, const char *name)
{
    for (int i = 0; i < s->nprocs; i++)
        if (strcmp(s->proc_name[i], name) == 0)
            return i;
    return -1;
}
