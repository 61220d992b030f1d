/* observe_json.c: observe_json.h.
 * Must not: load or touch BPF. */
#include "observe_json.h"

static json_t *histogram(const uint64_t *log2_ns)
{
    int last = OBSERVE_BUCKETS - 1;
    while (last > 0 && !log2_ns[last])
        last--;
    json_t *hist = json_array();
    for (int b = 0; b <= last; b++)
        json_array_append_new(hist, json_integer((json_int_t)log2_ns[b]));
    return hist;
}

__attribute__((visibility("default"))) json_t *observation_json(const struct observation *o, long ops)
{
    json_t *calls = json_object();
    for (int c = 0; c < o->count; c++) {
        const struct observed_call *oc = &o->call[c];
        if (!oc->calls)
            continue;
        json_t *call = json_pack("{s:I, s:I, s:I, s:I, s:I}", "calls", (json_int_t)oc->calls, "errors",
                                 (json_int_t)oc->errors, "slept", (json_int_t)oc->slept, "total_ns",
                                 (json_int_t)oc->total_ns, "asleep_ns", (json_int_t)oc->asleep_ns);
        if (ops > 0)
            json_object_set_new(call, "per_op", json_real((double)oc->calls / (double)ops));
        json_object_set_new(call, "log2_ns", histogram(oc->log2_ns));
        json_object_set_new(calls, oc->name, call);
    }
    const struct observed_sched *s = &o->sched;
    json_t *sched = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "switches", (json_int_t)s->switches, "preempted",
                              (json_int_t)s->preempted, "sleeps", (json_int_t)s->sleeps, "migrations",
                              (json_int_t)s->migrations, "wakeups", (json_int_t)s->wakeups, "asleep_ns",
                              (json_int_t)s->asleep_ns);
    if (ops > 0) {
        json_object_set_new(sched, "switches_per_op", json_real((double)s->switches / (double)ops));
        json_object_set_new(sched, "migrations_per_op", json_real((double)s->migrations / (double)ops));
    }
    json_object_set_new(sched, "wake_log2_ns", histogram(s->wake_log2_ns));
    json_t *r = json_object();
    if (ops > 0)
        json_object_set_new(r, "ops", json_integer(ops));
    json_object_set_new(r, "calls", calls);
    json_object_set_new(r, "sched", sched);
    return r;
}
