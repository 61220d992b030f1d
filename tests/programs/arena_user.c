/* arena_user.c: a process of an arena that stays: it makes a queue (so it
 * is registered and watched by the arena's keeper), prints its id, and
 * exits when its standard input closes.  Tests run it under the preload
 * library to have a keeper alive, and to end a watched process at will.
 * Must not: do anything else with IPC. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

int main(void)
{
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    printf("%d\n", id);
    fflush(stdout);
    if (id < 0)
        return 1;
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
