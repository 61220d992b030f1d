/* test_idmap.c: which scenarios a user namespace's ids can run
 * (harness/idmap.h), on maps made here: the initial namespace's (every id),
 * a rootless run's with a range of /etc/subuid, and one id alone. */
#include "catalog.h"
#include "idmap.h"
#include "parse.h"

#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

static struct catalog cat;
static struct parse_error err;

static const struct scenario *scenario(const char *text)
{
    catalog_free(&cat);
    memset(&cat, 0, sizeof(cat));
    cr_assert_eq(parse_text(&cat, "t.svipc", text, &err), 0, "%s", err.reason);
    return &cat.items[0];
}

static struct id_maps maps(unsigned long count, int setgroups_denied)
{
    struct id_maps m;
    memset(&m, 0, sizeof(m));
    m.uid = (struct id_map){ .n = 1, .range = { { 0, count == 4294967295UL ? 0 : 1000, count } } };
    m.gid = m.uid;
    m.setgroups_denied = setgroups_denied;
    return m;
}

#define SETUID "scenario s\n procs A\n A: setuid 2000\nend\n"
#define IPC_SET "scenario s\n procs A\n A: msgget 0 IPC_CREAT|0600 -> $q\n A: msgctl $q IPC_SET gid=70000\nend\n"
#define SETGROUPS "scenario s\n procs A\n A: setgroups 0\nend\n"
#define NO_CHANGE "scenario s\n procs A\n A: setuid -1 => EINVAL\n A: seteuid 0\nend\n"

Test(idmap, the_initial_namespace_runs_everything)
{
    struct id_maps m = maps(4294967295UL, 0);
    char why[512];
    cr_expect(id_maps_initial(&m));
    cr_expect_eq(id_maps_cover(&m, scenario(SETUID), NULL, why, sizeof(why)), 0);
    cr_expect_eq(id_maps_cover(&m, scenario(IPC_SET), NULL, why, sizeof(why)), 0);
    cr_expect_eq(id_maps_cover(&m, scenario(SETGROUPS), NULL, why, sizeof(why)), 0);
}

Test(idmap, a_range_runs_its_ids_and_names_the_first_beyond)
{
    struct id_maps m = maps(65537, 0);
    char why[512];
    cr_expect(!id_maps_initial(&m));
    cr_expect_eq(id_maps_cover(&m, scenario(SETUID), "ctx", why, sizeof(why)), 0);
    cr_expect_eq(id_maps_cover(&m, scenario(SETGROUPS), "ctx", why, sizeof(why)), 0);
    cr_assert_eq(id_maps_cover(&m, scenario(IPC_SET), "ctx", why, sizeof(why)), -1);
    cr_expect(strstr(why, "needs gid 70000, which the run's user namespace does not map (uids 0-65536, gids 0-65536: ctx)"),
              "%s", why);
}

Test(idmap, one_id_skips_every_other_id_as_one_class)
{
    struct id_maps m = maps(1, 1);
    char a[512], b[512];
    cr_assert_eq(id_maps_cover(&m, scenario(SETUID), "no range", a, sizeof(a)), -1);
    cr_assert_eq(id_maps_cover(&m, scenario(IPC_SET), "no range", b, sizeof(b)), -1);
    cr_expect_str_eq(a, b);
    cr_expect(strstr(a, "maps one id (no range)"), "%s", a);
    cr_assert_eq(id_maps_cover(&m, scenario(SETGROUPS), "no range", a, sizeof(a)), -1);
    cr_expect(strstr(a, "calls setgroups, which the run's user namespace denies"), "%s", a);
    /* -1 is "no change" (or no id at all): nothing to map */
    cr_expect_eq(id_maps_cover(&m, scenario(NO_CHANGE), "no range", a, sizeof(a)), 0, "%s", a);
}

Test(idmap, this_process_maps_are_read)
{
    struct id_maps m;
    id_maps_read(&m);
    cr_assert_geq(m.uid.n, 1);
    cr_assert_geq(m.gid.n, 1);
    /* this process's own ids are mapped in its namespace */
    cr_expect(id_mapped(&m.uid, (unsigned long)getuid()));
    cr_expect(id_mapped(&m.gid, (unsigned long)getgid()));
}
